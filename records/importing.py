"""Restore a records file into a site that has its curriculum but no people or records yet.

Everything is checked before anything is written (format, every field, every integer within
the database's range, every reference inside the file and to the local curriculum, each
attempt's question snapshot and answers), and every problem is reported, not just the first;
the rows are then written in one transaction, with their primary keys, and the restored audit
trail must verify before it commits.
"""

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F

from assessments.models import AttemptItem, AttemptPick, SurveyAnswer
from assessments.services import item_rows
from assessments.snapshots import answers_problems, snapshot_problems
from courses.progress import tally
from lms import roles
from lms.audit import Action, append_moved_events, record_event, verify_chain
from lms.json_input import JsonInputError, integer_limits, integer_problem, is_integer, load_json
from lms.models import AuditChainHead, AuditEvent, Person
from lms.page_cache import content_changed
from records.format import (
    CONTENT_REFERENCES,
    FORMAT,
    OPTIONAL_SECTIONS,
    SECTIONS,
    VERSION,
    RecordsError,
    section_fields,
)
from records.keys import AMBIGUOUS, ContentKeys

BATCH = 1000
MAX_PROBLEMS = 20
SECTION_OF = {model: name for name, model in SECTIONS.items()}
ANSWER_IDS = integer_limits(SurveyAnswer._meta.pk)


def parse_records(raw: bytes | str) -> dict:
    """The file's document, its format, version and sections checked (the rows are checked by
    `import_records`)."""
    try:
        data = load_json(raw)
    except JsonInputError as error:
        raise RecordsError([f"The file is {error}."]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RecordsError([f'This is not a records file (expected "format": "{FORMAT}").'])
    if data.get("version") != VERSION:
        raise RecordsError(
            [f"Records file version {data.get('version')!r} is not supported (only {VERSION})."]
        )
    for name in OPTIONAL_SECTIONS:  # files written before these sections existed
        data.setdefault(name, [])
    missing = [
        f'"{name}" is missing or not a list.'
        for name in SECTIONS
        if not isinstance(data.get(name), list)
    ]
    if missing:
        raise RecordsError(missing)
    return data


def refuse_unless_empty(data: dict) -> None:
    """Restoring merges nothing: the site must hold no people or records yet."""
    held = [
        f"{count} {name.replace('_', ' ')}"
        for name, model in SECTIONS.items()
        if model not in (get_user_model(), AuditEvent) and (count := model.objects.count())
    ]
    if held:
        raise RecordsError(
            [
                f"This database already holds {', '.join(held)}. import_records restores only "
                "into a site without people or records (its curriculum may exist)."
            ]
        )
    local = dict(get_user_model().objects.values_list("pk", "username"))
    usernames = set(local.values())
    taken = sorted(
        str(row.get("username"))
        for row in data["users"]
        if isinstance(row, dict)
        and (
            (is_integer(row.get("id")) and row["id"] in local)
            or (isinstance(row.get("username"), str) and row["username"] in usernames)
        )
    )
    if taken:
        raise RecordsError(
            [f"Accounts in the file already exist here (id or username): {', '.join(taken[:10])}."]
        )


class _Decoder:
    """Turns rows into unsaved model instances, collecting every problem it meets."""

    def __init__(self, data: dict, keys: ContentKeys):
        self.data, self.keys = data, keys
        self.problems: list[str] = []
        self.ids: dict[str, set] = {name: set() for name in SECTIONS}
        self.groups = dict(Group.objects.values_list("name", "pk"))
        self.revisions = {
            (pk, object_id)
            for pk, object_id in apps.get_model("wagtailcore", "Revision").objects.values_list(
                "pk", "object_id"
            )
        }
        for name, model in SECTIONS.items():
            limits = integer_limits(model._meta.pk)
            for i, row in enumerate(data[name]):
                pk = row.get("id") if isinstance(row, dict) else None
                if not isinstance(row, dict) or "id" not in row:
                    self.problem(f"{name}[{i}]", "needs an integer id")
                elif problem := integer_problem(pk, limits):
                    self.problem(f"{name}[{i}].id", problem)
                elif pk in self.ids[name]:
                    self.problem(f"{name}[{i}]", f"repeats id {pk}")
                else:
                    self.ids[name].add(pk)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def rows(self, name: str) -> Iterator[tuple[Any, dict]]:
        """(instance, extras) for every row of the section; extras hold its many-to-many."""
        model = SECTIONS[name]
        for i, row in enumerate(self.data[name]):
            where = f"{name}[{i}]"
            if not isinstance(row, dict):
                self.problem(where, "must be an object")
                continue
            values = {}
            for field in section_fields(model):
                values[field.attname] = self._value(field, row, where)
            yield model(**values), self._extras(name, row, where, values)

    def _value(self, field, row: dict, where: str) -> Any:
        if field.name in CONTENT_REFERENCES:
            return self._content(field, row.get(field.name), f"{where}.{field.name}")
        here = f"{where}.{field.attname}"
        if field.attname not in row:
            self.problem(here, "is missing")
            return None
        raw = row[field.attname]
        if raw is None:
            if not field.null:
                self.problem(here, "must not be null")
            return None
        if field.primary_key:
            return raw if is_integer(raw) else None  # checked with the ids, in __init__
        limits = integer_limits(field)
        if limits and (problem := integer_problem(raw, limits)):
            self.problem(here, problem)
            return None
        try:
            if not field.is_relation:
                return field.clean(raw, None)
            value = field.target_field.to_python(raw)
        except ValidationError as error:
            self.problem(here, " ".join(error.messages))
            return None
        target = SECTION_OF[field.related_model]
        if value not in self.ids[target]:
            self.problem(here, f"names {target} id {value}, which is not in the file")
        return value

    def _content(self, field, key: Any, where: str) -> int | None:
        if key is None and field.null:
            return None
        if field.name == "quiz":
            index, lookup, what = self.keys.quiz_ids, _pair(key), "quiz [curriculum, title]"
        else:
            page = key if isinstance(key, str) else None
            index, lookup, what = self.keys.page_ids, page and (field.related_model, page), "page"
        pk = index.get(lookup) if lookup else None
        if pk is None or pk is AMBIGUOUS:
            found = "more than one" if pk is AMBIGUOUS else "no"
            self.problem(where, f"{found} {what} {json.dumps(key)} on this site")
            return None
        return pk

    def _extras(self, name: str, row: dict, where: str, values: dict) -> dict:
        if name == "users":
            groups = row.get("groups")
            if not isinstance(groups, list) or any(
                not isinstance(g, str) or g not in self.groups for g in groups
            ):
                self.problem(f"{where}.groups", "must list group names that exist here")
                return {"groups": []}
            return {"groups": [self.groups[g] for g in groups]}
        if name == "people":
            units = row.get("oversight_units")
            if not isinstance(units, list) or any(
                not is_integer(u) or u not in self.ids["units"] for u in units
            ):
                self.problem(f"{where}.oversight_units", "must list unit ids in the file")
                return {"units": []}
            return {"units": units}
        if name == "attempts":
            self._attempt(row, where)
            revision = row.get("quiz_revision_id")
            keep = is_integer(revision) and (revision, str(values.get("quiz_id"))) in self.revisions
            return {"revision": revision if keep else None}
        if name == "survey_responses":
            return self._survey(row, where)
        return {}

    def _attempt(self, row: dict, where: str) -> None:
        """The question snapshot and answers in the shape the result page and review read."""
        if row.get("questions") is None:
            return  # missing or null: reported with the field
        problems = snapshot_problems(row["questions"], f"{where}.questions")
        if not problems:
            problems = answers_problems(row.get("answers"), row["questions"], f"{where}.answers")
        self.problems += problems

    def check_head(self, head: Any) -> None:
        """`audit_chain_head`: null, or the sequence number and hash of the trail's last event."""
        if head is None:
            return
        if not isinstance(head, dict):
            self.problem("audit_chain_head", 'must be null or {"seq": <int>, "hash": "<hex>"}')
            return
        seq = AuditChainHead._meta.get_field("seq")
        if problem := integer_problem(head.get("seq"), integer_limits(seq)):
            self.problem("audit_chain_head.seq", problem)
        if not isinstance(head.get("hash"), str) or len(head["hash"]) != 64:
            self.problem("audit_chain_head.hash", "must be 64 hexadecimal characters")

    def _survey(self, row: dict, where: str) -> dict:
        survey_id = self.keys.survey_ids.get(_pair(row.get("survey")) or ())
        if survey_id is None or survey_id is AMBIGUOUS:
            self.problem(f"{where}.survey", f"no survey {json.dumps(row.get('survey'))} here")
        answers = []
        raw_answers = row.get("answers")
        if not isinstance(raw_answers, list):
            self.problem(f"{where}.answers", "must be a list")
            raw_answers = []
        for j, answer in enumerate(raw_answers):
            here = f"{where}.answers[{j}]"
            item = answer.get("item") if isinstance(answer, dict) else None
            key = tuple(item) if isinstance(item, list) else ()
            ok = key and all(isinstance(part, str) for part in key)
            item_id = self.keys.item_ids.get(key) if ok else None
            if item_id is None or item_id is AMBIGUOUS:
                self.problem(here, f"no survey statement {json.dumps(item)} here")
                continue
            value = answer.get("value")
            if problem := integer_problem(answer.get("id"), ANSWER_IDS):
                self.problem(f"{here}.id", problem)
                continue
            if not is_integer(value) or value not in range(1, 6):
                self.problem(f"{here}.value", "must be an integer from 1 to 5")
                continue
            if not isinstance(answer.get("comment") or "", str):
                self.problem(f"{here}.comment", "must be text")
                continue
            answers.append(
                SurveyAnswer(
                    id=answer["id"],
                    item_id=item_id,
                    value=value,
                    comment=str(answer.get("comment") or ""),
                )
            )
        return {"survey": survey_id, "answers": answers}


def _pair(key: Any) -> tuple | None:
    """A [curriculum path, title] key as a tuple; None unless it is two strings."""
    if isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key):
        return tuple(key)
    return None


@transaction.atomic
def import_records(data: dict) -> dict[str, int]:
    """Check the whole file, then restore it in one transaction; returns rows per section.

    The role groups are the platform's, not records: they are made first (as `seed_demo`
    does), so a site migrated from nothing takes its accounts' roles; other groups must exist.
    """
    refuse_unless_empty(data)
    roles.ensure_roles()
    decoder = _Decoder(data, ContentKeys())
    for name in SECTIONS:
        for _ in decoder.rows(name):
            pass
    decoder.check_head(data.get("audit_chain_head"))
    if decoder.problems:
        extra = len(decoder.problems) - MAX_PROBLEMS
        raise RecordsError(
            decoder.problems[:MAX_PROBLEMS] + ([f"… and {extra} more"] if extra > 0 else [])
        )
    try:
        return _restore(data, decoder)
    except (IntegrityError, DataError) as error:  # e.g. two completions of one module and cycle
        raise RecordsError([f"The file breaks a rule of the database: {error}".strip()]) from None


def _restore(data: dict, decoder: "_Decoder") -> dict[str, int]:
    with transaction.atomic():
        # Events written while this site's curriculum was set up follow the restored trail.
        moved = list(AuditEvent.objects.order_by(F("seq").asc(nulls_last=True), "id"))
        AuditEvent.objects.all().delete()
        AuditChainHead.objects.all().delete()
        for name in SECTIONS:
            _write(name, decoder.rows(name))
        head = data["audit_chain_head"]
        if head is not None:
            AuditChainHead.objects.create(pk=1, seq=head["seq"], hash=head["hash"])
        _reset_sequences()
        # Pending events in the file are chained after the restored head, like the moved ones.
        breaks = list(verify_chain(bound=timedelta.max))
        if breaks:
            raise RecordsError(
                ["The audit trail in the file does not verify:"]
                + [f"event {b.seq} {b.reason}" for b in breaks[:MAX_PROBLEMS]]
            )
        append_moved_events(moved)
        counts = {name: len(data[name]) for name in SECTIONS}
        record_event(action=Action.RECORDS_IMPORTED, actor_username="import_records", data=counts)
        tally.rebuild()  # bulk writes: the report's tallies from the restored facts
        transaction.on_commit(content_changed)  # bulk writes: no signal tells the page cache
    return counts


def _write(name: str, rows: Iterator[tuple[Any, dict]]) -> None:
    model = SECTIONS[name]
    batch: list[tuple[Any, dict]] = []

    def flush() -> None:
        objs = [obj for obj, _ in batch]
        for obj, extras in batch:
            if name == "attempts":
                obj.quiz_revision_id = extras["revision"]
            elif name == "survey_responses":
                obj.survey_id = extras["survey"]
        model.objects.bulk_create(objs)
        if name == "attempts":  # item analysis rows are derived from the snapshot and answers
            rows = [item_rows(obj) for obj in objs if obj.submitted_at is not None]
            AttemptItem.objects.bulk_create(item for items, _ in rows for item in items)
            AttemptPick.objects.bulk_create(pick for _, picks in rows for pick in picks)
        elif name == "users":
            through = model.groups.through
            through.objects.bulk_create(
                through(user_id=obj.pk, group_id=group)
                for obj, extras in batch
                for group in extras["groups"]
            )
        elif name == "people":
            through = Person.oversight_units.through
            through.objects.bulk_create(
                through(person_id=obj.pk, unit_id=unit)
                for obj, extras in batch
                for unit in extras["units"]
            )
        elif name == "survey_responses":
            answers = []
            for obj, extras in batch:
                for answer in extras["answers"]:
                    answer.response_id = obj.pk
                    answers.append(answer)
            SurveyAnswer.objects.bulk_create(answers)
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    flush()


def _reset_sequences() -> None:
    """Rows written with their ids leave PostgreSQL's sequences behind; move them on."""
    models = [
        *SECTIONS.values(),
        SurveyAnswer,
        AuditChainHead,
        get_user_model().groups.through,
        Person.oversight_units.through,
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
