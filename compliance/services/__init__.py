"""The rules that change the ledger and what it is measured against. Each is a keyword-only
function that validates, writes and records its audit event in one transaction; a refusal is
a DomainError (400 / 404 / 409) raised before anything is written.

Locks: a decision (approve, reject, reverse) locks the entry, then the audit chain head.
"""

from compliance.services.adjustments import extension_grant, waiver_grant
from compliance.services.common import MAX_ENTRY_HOURS, RULESET_DIR
from compliance.services.ledger import (
    entry_approve,
    entry_reject,
    entry_reverse,
    external_entry_submit,
    internal_entries_sync,
    internal_entry_post,
)
from compliance.services.rule_sets import (
    agency_rule_set_choose,
    module_categories_set,
    profile_set,
    read_rule_set_files,
    rule_sets_load,
)

__all__ = [
    "MAX_ENTRY_HOURS",
    "RULESET_DIR",
    "agency_rule_set_choose",
    "entry_approve",
    "entry_reject",
    "entry_reverse",
    "extension_grant",
    "external_entry_submit",
    "internal_entries_sync",
    "internal_entry_post",
    "module_categories_set",
    "profile_set",
    "read_rule_set_files",
    "rule_sets_load",
    "waiver_grant",
]
