"""Roster import: an agency's people from one CSV file, every row valid or nothing written.

People are matched by (agency, badge number), so importing the same roster again updates
instead of duplicating. New people get an account with an unusable password (they set one
through the agency's normal process) and the Learner role.
"""

import csv
import io
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models.functions import Lower

from lms import roles
from lms.audit import Action, record_event
from lms.errors import DomainError, ErrorCode
from lms.models import Agency, Person, PersonnelCategory, Unit
from lms.page_cache import content_changed
from lms.signals import people_changed

COLUMNS = (
    "badge_number",
    "first_name",
    "last_name",
    "email",
    "unit",
    "rank",
    "personnel_category",
)
REQUIRED = frozenset(COLUMNS) - {"rank"}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
BATCH_SIZE = 500  # rows per bulk query; keeps SQLite under its parameter limit

User = get_user_model()

MAX_LENGTHS = {
    "badge_number": Person._meta.get_field("badge_number").max_length,
    "first_name": User._meta.get_field("first_name").max_length,
    "last_name": User._meta.get_field("last_name").max_length,
    "email": User._meta.get_field("email").max_length,
    "unit": Unit._meta.get_field("name").max_length,
    "rank": Person._meta.get_field("rank").max_length,
}
CATEGORIES = {
    key.casefold(): value
    for value, label in PersonnelCategory.choices
    for key in (value, str(label))
}
# One message for an email held by any account outside the importing agency (another agency's
# officer, platform staff, anyone): the row is refused without saying whose the address is.
EMAIL_UNAVAILABLE = "This email cannot be used."
_validate_email = EmailValidator()
_NOT_USERNAME = re.compile(r"[^a-z0-9._-]+")


class RowError(NamedTuple):
    """One problem: `row` as numbered in the file, header = 1 (None: the whole file);
    `column` is "" when the problem is the row as a whole."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"row {self.row}, {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"


class RosterError(DomainError):
    """The file cannot be imported; `errors` lists every problem found, in file order."""

    def __init__(self, errors: Iterable[RowError]):
        self.errors = sorted(errors, key=_error_order)
        count = len(self.errors)
        noun = "problem" if count == 1 else "problems"
        super().__init__(ErrorCode.INVALID, f"The roster has {count} {noun}; nothing was imported.")


@dataclass(frozen=True)
class RosterResult:
    created: int
    updated: int
    unchanged: int
    units_created: int

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "units_created": self.units_created,
        }


@dataclass(frozen=True)
class _Row:
    number: int
    badge_number: str
    first_name: str
    last_name: str
    email: str
    unit: str
    rank: str
    personnel_category: str


def import_roster(*, agency: Agency, file, actor=None) -> RosterResult:
    """Create or update the agency's people from a roster CSV, all or nothing.

    Every row is checked before anything is written; on any problem a `RosterError` lists
    them all. The writes and their audit event share one transaction, with the agency row
    locked so two imports for the same agency run one after the other.
    """
    filename = os.path.basename(getattr(file, "name", "") or "")
    rows, errors = _parse(_read_text(file))
    with transaction.atomic():
        Agency.objects.select_for_update().only("pk").get(pk=agency.pk)
        existing = _existing_people(agency, {row.badge_number for row in rows})
        errors += _email_clashes(agency, rows, existing)
        if errors:
            raise RosterError(errors)
        result = _write(agency, rows, existing)
        record_event(
            action=Action.ROSTER_IMPORTED,
            actor=actor,
            obj=agency,
            agency_id=agency.pk,
            data={**result.as_dict(), "filename": filename},
        )
        transaction.on_commit(content_changed)  # bulk writes: no signal tells the page cache
    return result


def _error_order(error: RowError) -> tuple[int, int]:
    column = COLUMNS.index(error.column) if error.column in COLUMNS else -1
    return (error.row or 0, column)


def _file_error(message: str) -> RosterError:
    return RosterError([RowError(None, "", message)])


def _read_text(file) -> str:
    too_large = _file_error("The file is larger than 5 MB. Split the roster into smaller files.")
    if (getattr(file, "size", None) or 0) > MAX_BYTES:
        raise too_large
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _file_error(
            f"The file is not UTF-8 text (first unreadable character on line {line}). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None


def _parse(text: str) -> tuple[list[_Row], list[RowError]]:
    """Rows that pass the field checks, and the problems of all the others."""
    reader = csv.reader(io.StringIO(text, newline=""))
    records = _records(reader)
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header[1]):
        raise _file_error(f"The file is empty. Its first row must name the columns: {_names()}.")
    names = [cell.strip().lower() for cell in header[1]]
    _check_header(names)

    rows: list[_Row] = []
    errors: list[RowError] = []
    first_seen: dict[tuple[str, str], int] = {}
    data_rows = 0
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise _file_error(
                f"The file has more than {MAX_ROWS:,} rows. Split the roster into smaller files."
            )
        if len(cells) != len(names):
            errors.append(
                RowError(number, "", f"Expected {len(names)} values, found {len(cells)}.")
            )
            continue
        values = {name: cell.strip() for name, cell in zip(names, cells, strict=True)}
        row, row_errors = _validate_row(number, values, first_seen)
        errors += row_errors
        if row is not None:
            rows.append(row)
    return rows, errors


def _records(reader) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) as a spreadsheet numbers rows; unreadable CSV is a file error."""
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error as error:
        raise RosterError([RowError(number + 1, "", f"Not readable as CSV: {error}.")]) from None


def _names() -> str:
    return ", ".join(COLUMNS)


def _check_header(names: list[str]) -> None:
    errors = []
    for position, name in enumerate(names, start=1):
        if not name:
            errors.append(RowError(1, f"column {position}", "This column has no name."))
        elif name not in COLUMNS:
            errors.append(RowError(1, name, f"Unknown column. The columns are: {_names()}."))
        elif names.index(name) != position - 1:
            errors.append(RowError(1, name, "This column appears more than once."))
    for name in COLUMNS:
        if name not in names:
            errors.append(RowError(1, name, f"Missing column “{name}”."))
    if errors:
        raise RosterError(errors)


def _validate_row(
    number: int, values: dict[str, str], first_seen: dict[tuple[str, str], int]
) -> tuple[_Row | None, list[RowError]]:
    errors = []

    def problem(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    for column in COLUMNS:
        value = values[column]
        if not value and column in REQUIRED:
            problem(column, "Required.")
        elif column in MAX_LENGTHS and len(value) > MAX_LENGTHS[column]:
            problem(column, f"At most {MAX_LENGTHS[column]} characters (this has {len(value)}).")

    email = values["email"]
    if email and not any(e.column == "email" for e in errors):
        try:
            _validate_email(email)
        except ValidationError:
            problem("email", f"“{email}” is not a valid email address.")
        else:
            email = BaseUserManager.normalize_email(email)

    category = values["personnel_category"]
    if category and category.casefold() not in CATEGORIES:
        choices = ", ".join(PersonnelCategory.values)
        problem("personnel_category", f"“{category}” is not a category. Use one of: {choices}.")

    for column, key in (("badge_number", values["badge_number"]), ("email", email.lower())):
        if key and not any(e.column == column for e in errors):
            earlier = first_seen.setdefault((column, key), number)
            if earlier != number:
                label = "badge number" if column == "badge_number" else "email address"
                problem(column, f"Same {label} as row {earlier}.")

    if errors:
        return None, errors
    return _Row(
        number=number,
        badge_number=values["badge_number"],
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=email,
        unit=values["unit"],
        rank=values["rank"],
        personnel_category=CATEGORIES[category.casefold()],
    ), []


def _chunks(items: Iterable, size: int = BATCH_SIZE) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _users_matching(field: str, values: set[str]) -> Iterator[tuple[str, int]]:
    """(lower-cased `field`, pk) of users whose `field` is one of `values`, ignoring case."""
    users = User.objects.annotate(key=Lower(field)).values_list("key", "pk")
    if len(values) <= BATCH_SIZE:
        return iter(users.filter(key__in=values))
    # Lower() cannot use an index, so one pass over the table beats a scan per batch.
    return ((key, pk) for key, pk in users.iterator(chunk_size=2000) if key in values)


def _existing_people(agency: Agency, badges: set[str]) -> dict[str, Person]:
    """The agency's people with these badge numbers (one query: the whole agency if needed)."""
    people = Person.objects.filter(agency=agency).exclude(badge_number="").select_related("user")
    if len(badges) <= BATCH_SIZE:
        people = people.filter(badge_number__in=badges)
    return {p.badge_number: p for p in people.iterator(2000) if p.badge_number in badges}


def _email_clashes(agency: Agency, rows: list[_Row], existing: dict[str, Person]) -> list[RowError]:
    """Rows whose email belongs to an account other than the matching person's own.

    A clash with another person of this agency names their badge number (the importer can see
    them); a clash with any account outside the agency gets `EMAIL_UNAVAILABLE`, the same
    whoever holds it, so an import cannot learn which agency or account has an address."""
    owners: dict[str, set[int]] = {}
    for email, pk in _users_matching("email", {row.email.lower() for row in rows}):
        owners.setdefault(email, set()).add(pk)
    clashes = []
    for row in rows:
        person = existing.get(row.badge_number)
        others = owners.get(row.email.lower(), set()) - {person.user_id if person else None}
        if others:
            clashes.append((row, others))
    badges: dict[int, str] = {}  # user id → badge number, for this agency's people only
    for chunk in _chunks(set().union(*(others for _, others in clashes))):
        people = Person.objects.filter(agency=agency, user_id__in=chunk)
        badges.update(people.values_list("user_id", "badge_number"))
    errors = []
    for row, others in clashes:
        badge = min((badges.get(pk) or "" for pk in others), default="")
        if others <= badges.keys() and badge:
            message = f"Already used by badge number {badge} in this agency."
        else:
            message = EMAIL_UNAVAILABLE
        errors.append(RowError(row.number, "email", message))
    return errors


def _write(agency: Agency, rows: list[_Row], existing: dict[str, Person]) -> RosterResult:
    units, units_created = _units(agency, [row.unit for row in rows])
    new_rows = [row for row in rows if row.badge_number not in existing]
    changed_users, changed_people = [], []
    before, renamed = {}, []
    for row in rows:
        person = existing.get(row.badge_number)
        if person is None:
            continue
        before[person.pk] = _placement(person)
        if _assign(
            person.user, first_name=row.first_name, last_name=row.last_name, email=row.email
        ):
            changed_users.append(person.user)
            renamed.append(person.pk)
        if _assign(
            person,
            unit_id=units[row.unit.casefold()].pk,
            rank=row.rank,
            personnel_category=row.personnel_category,
        ):
            changed_people.append(person)
    User.objects.bulk_update(
        changed_users, ["first_name", "last_name", "email"], batch_size=BATCH_SIZE
    )
    Person.objects.bulk_update(
        changed_people, ["unit", "rank", "personnel_category"], batch_size=BATCH_SIZE
    )
    created = _create_people(agency, new_rows, units)
    # Bulk writes send no signal: tell what counts people (the completion report's tallies).
    people_changed.send(
        sender=Person,
        person_ids=sorted({p.pk for p in changed_people} | set(renamed)) + created,
        before={pk: before[pk] for pk in {p.pk for p in changed_people}},
    )
    updated = len({user.pk for user in changed_users} | {p.user_id for p in changed_people})
    return RosterResult(
        created=len(new_rows),
        updated=updated,
        unchanged=len(existing) - updated,
        units_created=units_created,
    )


def _assign(obj, **values) -> bool:
    """Set the attributes that differ; True when any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _units(agency: Agency, names: list[str]) -> tuple[dict[str, Unit], int]:
    """The agency's units by case-folded name, creating the missing ones (first spelling wins)."""
    units: dict[str, Unit] = {}
    for unit in Unit.objects.filter(agency=agency).order_by("pk"):
        units.setdefault(unit.name.casefold(), unit)
    missing = {}
    for name in names:
        if name.casefold() not in units:
            missing.setdefault(name.casefold(), name)
    for name in missing.values():
        units[name.casefold()] = Unit.objects.create(agency=agency, name=name)
    return units, len(missing)


def _placement(person: Person) -> dict:
    """Where a person is counted: agency, unit, personnel category."""
    return {
        "agency_id": person.agency_id,
        "unit_id": person.unit_id,
        "category": person.personnel_category,
    }


def _create_people(agency: Agency, rows: list[_Row], units: dict[str, Unit]) -> list[int]:
    """Create the rows' accounts and people; returns the new people's ids."""
    if not rows:
        return []
    usernames = _usernames(agency, rows)
    users = []
    for row in rows:
        user = User(
            username=usernames[row.number],
            first_name=row.first_name,
            last_name=row.last_name,
            email=row.email,
        )
        # What set_unusable_password() stores, without 40 random draws per person.
        user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        users.append(user)
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    user_ids = {}
    for chunk in _chunks(usernames.values()):
        user_ids.update(User.objects.filter(username__in=chunk).values_list("username", "pk"))
    Person.objects.bulk_create(
        [
            Person(
                user_id=user_ids[usernames[row.number]],
                agency=agency,
                unit=units[row.unit.casefold()],
                badge_number=row.badge_number,
                rank=row.rank,
                personnel_category=row.personnel_category,
            )
            for row in rows
        ],
        batch_size=BATCH_SIZE,
    )
    learner = roles.ensure_roles()[roles.LEARNER]
    Membership = User.groups.through
    Membership.objects.bulk_create(
        [Membership(user_id=pk, group_id=learner.pk) for pk in user_ids.values()],
        batch_size=BATCH_SIZE,
    )
    return list(Person.objects.filter(user_id__in=user_ids.values()).values_list("pk", flat=True))


def _usernames(agency: Agency, rows: list[_Row]) -> dict[int, str]:
    """`<agency slug>-<badge number>`, lower case, [a-z0-9._-] only; a suffix when taken."""
    wanted = {
        row.number: _NOT_USERNAME.sub("-", f"{agency.slug}-{row.badge_number}".lower()).strip("-.")
        for row in rows
    }
    taken = {name for name, _ in _users_matching("username", set(wanted.values()))}
    usernames = {}
    for number, base in wanted.items():
        name, suffix = base, 1
        while name in taken or (suffix > 1 and User.objects.filter(username__iexact=name).exists()):
            suffix += 1
            name = f"{base}-{suffix}"
        taken.add(name)
        usernames[number] = name
    return usernames
