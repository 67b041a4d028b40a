"""Roster import: the service and the management command. The agency admin's upload page is
tested in tests/oversight/test_roster_page.py."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from lms import roles, roster
from lms.audit import Action
from lms.models import AuditEvent, Person, PersonnelCategory, Unit
from lms.roster import RosterError, RowError, import_roster
from tests.factories import PersonFactory, UnitFactory, UserFactory

User = get_user_model()

HEADER = "badge_number,first_name,last_name,email,unit,rank,personnel_category"
GOOD_ROWS = [
    "1001,Ana,Silva,ana.silva@example.org,Patrol North,Officer,sworn",
    "1002,Ben,Okafor,ben.okafor@example.org,Patrol North,Sergeant,Sworn officer",
    "1003,Cleo,Marsh,cleo.marsh@example.org,Records,,CIVILIAN",
]


def csv_file(*rows: str, header: str = HEADER, name: str = "roster.csv", bom: bool = False):
    text = "\r\n".join([header, *rows]) + "\r\n"
    return SimpleUploadedFile(name, (b"\xef\xbb\xbf" if bom else b"") + text.encode(), "text/csv")


def table_counts() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        Person.objects.count(),
        Unit.objects.count(),
        AuditEvent.objects.count(),
    )


def import_errors(agency, *rows: str, **kwargs) -> list[RowError]:
    with pytest.raises(RosterError) as raised:
        import_roster(agency=agency, file=csv_file(*rows, **kwargs))
    return raised.value.errors


def where(errors: list[RowError]) -> set[tuple[int | None, str]]:
    return {(error.row, error.column) for error in errors}


# The service


def test_import_creates_people_units_and_learner_accounts(agency_a):
    result = import_roster(agency=agency_a, file=csv_file(*GOOD_ROWS))

    assert (result.created, result.updated, result.unchanged, result.units_created) == (3, 0, 0, 2)
    ana = Person.objects.select_related("user", "unit").get(agency=agency_a, badge_number="1001")
    assert (ana.user.first_name, ana.user.last_name) == ("Ana", "Silva")
    assert ana.user.email == "ana.silva@example.org"
    assert ana.user.username == "agency-a-1001"
    assert not ana.user.has_usable_password()
    assert ana.user.groups.filter(name=roles.LEARNER).exists()
    assert (ana.unit.name, ana.unit.agency_id) == ("Patrol North", agency_a.pk)
    assert ana.rank == "Officer"
    ben, cleo = (Person.objects.get(agency=agency_a, badge_number=b) for b in ("1002", "1003"))
    assert ben.personnel_category == PersonnelCategory.SWORN
    assert cleo.personnel_category == PersonnelCategory.CIVILIAN
    assert cleo.rank == ""
    assert set(Unit.objects.filter(agency=agency_a).values_list("name", flat=True)) >= {
        "Patrol North",
        "Records",
    }


def test_reimport_updates_people_instead_of_duplicating(agency_a):
    import_roster(agency=agency_a, file=csv_file(*GOOD_ROWS))
    people_before = Person.objects.count()

    result = import_roster(
        agency=agency_a,
        file=csv_file(
            GOOD_ROWS[0],
            "1002,Ben,Okafor-Hale,ben.hale@example.org,Traffic,Lieutenant,leader",
            GOOD_ROWS[2],
        ),
    )

    assert (result.created, result.updated, result.unchanged, result.units_created) == (0, 1, 2, 1)
    assert Person.objects.count() == people_before
    ben = Person.objects.select_related("user", "unit").get(agency=agency_a, badge_number="1002")
    assert (ben.user.last_name, ben.user.email) == ("Okafor-Hale", "ben.hale@example.org")
    assert (ben.unit.name, ben.rank) == ("Traffic", "Lieutenant")
    assert ben.personnel_category == PersonnelCategory.LEADER
    assert ben.user.username == "agency-a-1002"


def test_reimport_updates_a_person_already_on_the_platform(agency_a):
    person = PersonFactory(agency=agency_a, badge_number="2001", user__email="old@example.org")

    result = import_roster(
        agency=agency_a,
        file=csv_file("2001,Dana,Reyes,dana.reyes@example.org,Patrol North,Officer,sworn"),
    )

    assert (result.created, result.updated) == (0, 1)
    person.refresh_from_db()
    person.user.refresh_from_db()
    assert person.user.email == "dana.reyes@example.org"
    assert person.unit.name == "Patrol North"


def test_bad_rows_are_all_reported_and_nothing_is_written(agency_a):
    before = table_counts()

    errors = import_errors(
        agency_a,
        GOOD_ROWS[0],
        ",Ben,Okafor,ben@example.org,Patrol,Officer,sworn",
        "1003,,Marsh,not-an-email,Records,,civilian",
        "1004,Dev,Patel,dev@example.org,,Officer,detective",
        "1005,Eli,Moss,eli@example.org,Patrol," + "R" * 81 + ",sworn",
        "1006,Fay,Lund,fay@example.org,Patrol,Officer",
    )

    assert where(errors) == {
        (3, "badge_number"),
        (4, "first_name"),
        (4, "email"),
        (5, "unit"),
        (5, "personnel_category"),
        (6, "rank"),
        (7, ""),
    }
    assert [e.row for e in errors] == sorted(e.row for e in errors)
    assert table_counts() == before


def test_missing_column_is_named(agency_a):
    errors = import_errors(
        agency_a,
        "1001,Ana,Silva,ana@example.org,Patrol,sworn",
        header="badge_number,first_name,last_name,email,unit,personnel_category",
    )

    assert errors == [RowError(1, "rank", "Missing column “rank”.")]


def test_extra_column_is_rejected(agency_a):
    errors = import_errors(agency_a, GOOD_ROWS[0] + ",1980-01-01", header=HEADER + ",date_of_birth")

    assert where(errors) == {(1, "date_of_birth")}


def test_empty_file_is_rejected(agency_a):
    with pytest.raises(RosterError, match="nothing was imported") as raised:
        import_roster(agency=agency_a, file=SimpleUploadedFile("roster.csv", b""))

    assert "first row must name the columns" in raised.value.errors[0].message


def test_duplicate_badge_in_file_is_reported_on_the_later_row(agency_a):
    errors = import_errors(
        agency_a, GOOD_ROWS[0], GOOD_ROWS[1], "1001,Ann,Silva,ann@example.org,Patrol,,sworn"
    )

    assert errors == [RowError(4, "badge_number", "Same badge number as row 2.")]


def test_duplicate_email_in_file_is_rejected(agency_a):
    errors = import_errors(
        agency_a, GOOD_ROWS[0], "1009,Ana,Silva,ANA.SILVA@example.org,Patrol,,sworn"
    )

    assert where(errors) == {(3, "email")}


def test_invalid_personnel_category_is_rejected(agency_a):
    errors = import_errors(agency_a, "1001,Ana,Silva,ana@example.org,Patrol,,cadet")

    assert where(errors) == {(2, "personnel_category")}
    assert "sworn, civilian, leader, elected" in errors[0].message


def test_personnel_category_accepts_value_or_label_in_any_case(agency_a):
    import_roster(
        agency=agency_a,
        file=csv_file(
            "1001,Ana,Silva,ana@example.org,Patrol,,ELECTED",
            "1002,Ben,Okafor,ben@example.org,Patrol,,police leader",
        ),
    )

    categories = dict(
        Person.objects.filter(agency=agency_a, badge_number__in=["1001", "1002"]).values_list(
            "badge_number", "personnel_category"
        )
    )
    assert categories == {"1001": "elected", "1002": "leader"}


def test_email_of_an_account_outside_the_agency_is_refused_without_saying_whose(agency_a, agency_b):
    # Another agency's officer, an account with no person (platform staff), a superuser:
    # one neutral message for all three, naming no agency, account or person.
    PersonFactory(agency=agency_b, badge_number="1001", user__email="ana.silva@example.org")
    UserFactory(email="ben.okafor@example.org")
    UserFactory(email="cleo.marsh@example.org", is_superuser=True, is_staff=True)
    before = table_counts()

    errors = import_errors(agency_a, *GOOD_ROWS)

    assert errors == [
        RowError(2, "email", roster.EMAIL_UNAVAILABLE),
        RowError(3, "email", roster.EMAIL_UNAVAILABLE),
        RowError(4, "email", roster.EMAIL_UNAVAILABLE),
    ]
    assert roster.EMAIL_UNAVAILABLE == "This email cannot be used."
    for error in errors:
        assert agency_b.name not in str(error) and agency_b.slug not in str(error)
    assert table_counts() == before


def test_email_of_another_person_in_the_agency_names_their_badge(agency_a):
    PersonFactory(agency=agency_a, badge_number="2002", user__email="ana.silva@example.org")

    errors = import_errors(agency_a, GOOD_ROWS[0])

    assert errors == [
        RowError(2, "email", "Already used by badge number 2002 in this agency."),
    ]


def test_another_agencys_person_with_the_same_badge_is_left_alone(agency_a, agency_b):
    other = PersonFactory(agency=agency_b, badge_number="1001", rank="Chief")

    result = import_roster(agency=agency_a, file=csv_file(GOOD_ROWS[0]))

    assert result.created == 1
    other.refresh_from_db()
    assert (other.rank, other.agency_id) == ("Chief", agency_b.pk)


def test_existing_unit_is_reused_whatever_its_case(agency_a):
    unit = UnitFactory(agency=agency_a, name="Patrol North")

    result = import_roster(
        agency=agency_a, file=csv_file("1001,Ana,Silva,ana@example.org,patrol north,,sworn")
    )

    assert result.units_created == 0
    assert Person.objects.get(agency=agency_a, badge_number="1001").unit == unit


def test_usernames_are_sanitised_and_never_reuse_a_taken_one(agency_a):
    UserFactory(username="agency-a-x-7")

    import_roster(
        agency=agency_a,
        file=csv_file(
            "X 7,Ana,Silva,ana@example.org,Patrol,,sworn",
            "x/7,Ben,Okafor,ben@example.org,Patrol,,sworn",
        ),
    )

    usernames = dict(
        Person.objects.filter(agency=agency_a, badge_number__in=["X 7", "x/7"]).values_list(
            "badge_number", "user__username"
        )
    )
    assert usernames == {"X 7": "agency-a-x-7-2", "x/7": "agency-a-x-7-3"}


def test_utf8_file_with_bom_is_accepted(agency_a):
    result = import_roster(
        agency=agency_a,
        file=csv_file("1001,Zoë,Ñúñez,zoe@example.org,Patrulla,,sworn", bom=True),
    )

    assert result.created == 1
    assert Person.objects.get(agency=agency_a, badge_number="1001").user.first_name == "Zoë"


def test_file_that_is_not_utf8_is_rejected(agency_a):
    content = (HEADER + "\n1001,Zo\xeb,Nunez,zoe@example.org,Patrol,,sworn\n").encode("latin-1")

    with pytest.raises(RosterError) as raised:
        import_roster(agency=agency_a, file=SimpleUploadedFile("roster.csv", content))

    assert "not UTF-8" in raised.value.errors[0].message
    assert "line 2" in raised.value.errors[0].message


def test_file_over_5_mb_is_rejected(agency_a):
    content = (HEADER + "\n").encode() + b"x" * (5 * 1024 * 1024)

    with pytest.raises(RosterError) as raised:
        import_roster(agency=agency_a, file=SimpleUploadedFile("roster.csv", content))

    assert raised.value.errors == [
        RowError(None, "", "The file is larger than 5 MB. Split the roster into smaller files.")
    ]


def test_file_over_the_row_limit_is_rejected(agency_a, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 2)
    before = table_counts()

    with pytest.raises(RosterError) as raised:
        import_roster(agency=agency_a, file=csv_file(*GOOD_ROWS))

    assert "more than 2 rows" in raised.value.errors[0].message
    assert table_counts() == before


def test_import_records_one_audit_event_with_counts_and_filename(agency_a):
    admin = PersonFactory(agency=agency_a).user
    events_before = AuditEvent.objects.count()

    import_roster(agency=agency_a, file=csv_file(*GOOD_ROWS, name="may.csv"), actor=admin)

    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == Action.ROSTER_IMPORTED
    assert (event.actor_id, event.agency_id, event.object_id) == (
        admin.pk,
        agency_a.pk,
        str(agency_a.pk),
    )
    assert event.data == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "units_created": 2,
        "filename": "may.csv",
    }


# The management command


def write_csv(tmp_path, *rows: str):
    path = tmp_path / "roster.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_command_imports_and_prints_the_counts(agency_a, tmp_path, capsys):
    call_command("import_roster", "--agency", "agency-a", str(write_csv(tmp_path, *GOOD_ROWS)))

    assert "3 added, 0 updated, 0 unchanged; 2 units created" in capsys.readouterr().out
    assert Person.objects.filter(agency=agency_a, badge_number__in=["1001", "1002"]).count() == 2


def test_command_prints_every_problem_and_fails(agency_a, tmp_path, capsys):
    path = write_csv(
        tmp_path,
        ",Ben,Okafor,ben@example.org,Patrol,,sworn",
        GOOD_ROWS[0],
        "1001,Ann,Silva,ann@example.org,Patrol,,sworn",
    )
    before = table_counts()

    with pytest.raises(CommandError, match="2 problems"):
        call_command("import_roster", "--agency", "agency-a", str(path))

    assert capsys.readouterr().err.splitlines() == [
        "row 2, badge_number: Required.",
        "row 4, badge_number: Same badge number as row 3.",
    ]
    assert table_counts() == before


def test_command_rejects_an_unknown_agency(db, tmp_path):
    with pytest.raises(CommandError, match="No agency"):
        call_command("import_roster", "--agency", "nowhere", str(write_csv(tmp_path, *GOOD_ROWS)))
