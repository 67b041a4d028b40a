"""Rule sets: loading the files, an agency's choice, the module mapping, an officer's dates."""

import json
from datetime import date
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from compliance.models import AgencyRuleSet, ComplianceProfile, ModuleCategories, RuleSet
from compliance.rules import RuleSetError, parse_definition
from compliance.selectors import rule_set_of
from compliance.services.common import DEFINITION_KEYS, RULESET_DIR, audit
from courses.models import ModulePage
from lms.audit import Action
from lms.errors import DomainError, ErrorCode
from lms.models import Agency, Person


def read_rule_set_files(directory: Path = RULESET_DIR) -> list[dict]:
    """Every rule-set file, each checked; RuleSetError naming every problem of every file."""
    documents, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            parse_definition(data)
        except yaml.YAMLError as error:
            problems.append(f"{path.name}: not valid YAML ({error})")
            continue
        except RuleSetError as error:
            problems.extend(f"{path.name}: {problem}" for problem in error.problems)
            continue
        for key in ("code", "name", "authority", "sources"):
            if not data.get(key):
                problems.append(f"{path.name}: {key} is missing")
        if any(not isinstance(s, dict) or not s.get("title") for s in data.get("sources") or []):
            problems.append(f"{path.name}: each source needs a title")
        documents.append({**data, "source_file": path.name})
    if problems:
        raise RuleSetError(problems)
    return documents


@transaction.atomic
def rule_sets_load(*, directory: Path = RULESET_DIR) -> tuple[int, int]:
    """Create or update the state rule sets from their files (all checked first). Returns
    (created, updated)."""
    created = updated = 0
    for data in read_rule_set_files(directory):
        definition = {key: data[key] for key in DEFINITION_KEYS if key in data}
        definition = json.loads(json.dumps(definition, default=str))  # dates as ISO text
        _, was_created = RuleSet.objects.update_or_create(
            code=data["code"],
            agency=None,
            defaults={
                "name": data["name"],
                "jurisdiction": data.get("jurisdiction", ""),
                "authority": data["authority"],
                "definition": definition,
                "sources": data["sources"],
                "notes": data.get("notes", ""),
                "source_file": data["source_file"],
            },
        )
        created += was_created
        updated += not was_created
    return created, updated


@transaction.atomic
def agency_rule_set_choose(*, agency: Agency, rule_set: RuleSet, by=None) -> AgencyRuleSet:
    """The agency follows `rule_set` from now on (a state rule set or its own)."""
    if rule_set.agency_id not in (None, agency.pk):
        raise DomainError(ErrorCode.NOT_FOUND, "No such rule set.")
    choice, _ = AgencyRuleSet.objects.update_or_create(
        agency=agency, defaults={"rule_set": rule_set, "chosen_at": timezone.now()}
    )
    audit(
        Action.COMPLIANCE_RULE_SET,
        by=by,
        obj=rule_set,
        person=None,
        agency_id=agency.pk,
        data={"code": rule_set.code},
    )
    return choice


def require_rule_set(person: Person) -> RuleSet:
    rule_set = rule_set_of(person.agency_id)
    if rule_set is None:
        raise DomainError(ErrorCode.CONFLICT, "Your agency has not chosen a compliance rule set.")
    return rule_set


@transaction.atomic
def module_categories_set(
    *, agency: Agency, rule_set: RuleSet, module: ModulePage, categories: list[str], by
) -> ModuleCategories:
    """Which of the rule set's categories the module counts towards in this agency."""
    unknown = sorted(set(categories) - set(rule_set.rules.category_codes))
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Not categories of {rule_set.name}: {', '.join(unknown)}.",
            field="categories",
        )
    row, _ = ModuleCategories.objects.update_or_create(
        agency=agency, rule_set=rule_set, module=module, defaults={"categories": sorted(categories)}
    )
    audit(
        Action.COMPLIANCE_MAPPING,
        by=by,
        obj=module,
        person=None,
        agency_id=agency.pk,
        data={"rule_set": rule_set.code, "categories": row.categories},
    )
    return row


@transaction.atomic
def profile_set(
    *,
    person: Person,
    by,
    state_id: str = "",
    certified_on: date | None = None,
    licence_expires_on: date | None = None,
    hired_on: date | None = None,
) -> ComplianceProfile:
    """The officer's compliance dates and state identifier."""
    if certified_on and certified_on > timezone.localdate():
        raise DomainError(ErrorCode.INVALID, "Not in the future.", field="certified_on")
    profile, _ = ComplianceProfile.objects.update_or_create(
        person=person,
        defaults={
            "state_id": state_id.strip()[:60],
            "certified_on": certified_on,
            "licence_expires_on": licence_expires_on,
            "hired_on": hired_on,
        },
    )
    audit(
        Action.COMPLIANCE_PROFILE,
        by=by,
        obj=profile,
        person=person,
        data={
            "certified_on": certified_on,
            "licence_expires_on": licence_expires_on,
            "hired_on": hired_on,
        },
    )
    return profile
