"""Compliance pages: *My compliance* for the officer; for command staff the compliance
dashboard, an officer's compliance page, the exports (queued; *My exports*); for coordinators
the approval queue, decisions, waivers, extensions, dates, the module mapping and the agency's
rule set.

Thin: every read goes through a scoped selector (`visible_to`, `compliance_report`), every
change through a service; a refusal (DomainError) is flashed and nothing is written.
"""

from compliance.views.coordinators import (
    approve,
    choose_rule_set,
    mapping,
    queue,
    reject,
    reverse_entry,
)
from compliance.views.exports import export_download, export_request, my_exports
from compliance.views.officer import evidence_file, my_compliance, submit_training
from compliance.views.staff import (
    dashboard,
    declaration,
    evidence_package,
    officer,
    officer_extension,
    officer_profile,
    officer_waiver,
    staff_evidence_file,
    state_csv,
)

__all__ = [
    "approve",
    "choose_rule_set",
    "dashboard",
    "declaration",
    "evidence_file",
    "evidence_package",
    "export_download",
    "export_request",
    "mapping",
    "my_compliance",
    "my_exports",
    "officer",
    "officer_extension",
    "officer_profile",
    "officer_waiver",
    "queue",
    "reject",
    "reverse_entry",
    "staff_evidence_file",
    "state_csv",
    "submit_training",
]
