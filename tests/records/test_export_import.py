"""export_records / import_records: a round trip keeps every row, bad files change nothing."""

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from assessments.models import SurveyAnswer
from assessments.surveys import survey_submit
from courses.models import LessonPage
from courses.progress import services
from courses.reflections import reflection_prompts, reflection_save
from courses.reminders import send_due_reminders
from lms import roles
from lms.audit import Action, record_event, sequence_pending, verify_chain
from lms.models import AuditChainHead, AuditEvent, Person
from records.format import SECTIONS
from tests.factories import PersonFactory, UnitFactory, make_survey
from tests.helpers import complete_lessons, fail_quiz, pass_module, start_quiz

User = get_user_model()


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


def snapshot() -> dict:
    """Every row of every table the records file covers, with its many-to-many and answers."""
    tables = {}
    for name, model in SECTIONS.items():
        tables[name] = [
            {f.attname: _plain(getattr(obj, f.attname)) for f in model._meta.concrete_fields}
            for obj in model.objects.order_by("pk")
        ]
    tables["user_groups"] = sorted(User.groups.through.objects.values_list("user_id", "group_id"))
    tables["oversight_units"] = sorted(
        Person.oversight_units.through.objects.values_list("person_id", "unit_id")
    )
    tables["survey_answers"] = list(SurveyAnswer.objects.order_by("pk").values())
    tables["chain_head"] = list(AuditChainHead.objects.values("seq", "hash"))
    return tables


def remove_people_and_records() -> None:
    """What a new server holds before the restore: the curriculum, no people or records."""
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    for model in reversed(SECTIONS.values()):
        if model not in (User, AuditEvent):
            model.objects.all().delete()
    Token.objects.all().delete()
    User.objects.all().delete()


@pytest.fixture
def busy_site(curriculum, learner, learner_a2, agency_a, make_command_staff, coordinator):
    """Progress of every kind, written by the services themselves."""
    survey = make_survey(items=3, comment_on=(1,))
    curriculum.page.survey = survey
    curriculum.page.save()
    for module in curriculum.modules:
        pass_module(learner, module)
    certificate = learner.certificates.get()
    services.certificate_revoke(certificate=certificate, by=coordinator, reason="Issued in error")
    services.lesson_complete(person=learner, lesson=curriculum.modules[0].lessons[0])  # cycle 2
    lesson = LessonPage.objects.get(pk=curriculum.modules[0].lessons[0].pk)
    reflection_save(
        person=learner,
        lesson=lesson,
        block_id=next(iter(reflection_prompts(lesson))),
        text="I slowed down and «listened».",
    )
    fail_quiz(learner_a2, curriculum.modules[0])
    start_quiz(learner_a2, curriculum.modules[0])  # left open
    complete_lessons(learner_a2, curriculum.modules[1])
    items = list(survey.items.order_by("sort_order"))
    survey_submit(
        survey=survey,
        user=learner_a2.user,
        phase="pre",
        answers={str(item.pk): 4 for item in items},
        comments={str(items[1].pk): "Useful, «mostly»."},
    )
    unit = UnitFactory(agency=agency_a, name="Patrol North")
    command = make_command_staff(agency_a)
    command.oversight_units.add(unit)
    learner_a2.unit = unit
    learner_a2.save()
    assignment = curriculum.page.assignments.get()
    assignment.due_date = timezone.localdate() + timedelta(days=3)
    assignment.save()
    assert send_due_reminders(days=14).reminders  # a reminder log row
    record_event(action=Action.SIGN_IN, actor=command.user, ip_address="2001:DB8::1")
    roles.ensure_roles()
    sequence_pending()  # as each writer's commit would have: the trail is chained


def test_round_trip_restores_every_row_and_a_verifiable_trail(busy_site, tmp_path):
    sequence_pending()  # as the busy site's writers' commits would have
    before = snapshot()
    assert all(before[name] for name in SECTIONS), [n for n in SECTIONS if not before[n]]
    path = tmp_path / "records.json"

    call_command("export_records", str(path), stdout=StringIO())
    remove_people_and_records()
    assert not Person.objects.exists()
    call_command("import_records", str(path), stdout=StringIO())
    sequence_pending()  # as the import's commit would

    after = snapshot()
    imported = AuditEvent.objects.order_by("seq").last()
    assert imported.action == Action.RECORDS_IMPORTED
    assert imported.seq == before["chain_head"][0]["seq"] + 1
    after["audit_events"] = [e for e in after["audit_events"] if e["id"] != imported.pk]
    after["chain_head"] = before["chain_head"]
    assert after == before
    assert list(verify_chain()) == []
    assert User.objects.get(username=busy_site_learner(before)).check_password(
        "pw-for-tests-only-1234"
    )
    # New rows get new ids after the restored ones (PostgreSQL's sequences were moved on).
    assert PersonFactory().pk > max(row["id"] for row in before["people"])


def busy_site_learner(tables) -> str:
    person = next(p for p in tables["people"] if p["badge_number"])
    return next(u["username"] for u in tables["users"] if u["id"] == person["user_id"])


def test_events_written_while_the_new_site_was_set_up_follow_the_restored_trail(
    busy_site, tmp_path
):
    path = tmp_path / "records.json"
    sequence_pending()
    call_command("export_records", str(path), stdout=StringIO())
    restored_seq = AuditChainHead.objects.get().seq
    remove_people_and_records()
    record_event(action=Action.CONTENT_PUBLISHED, actor_username="setup", data={"page": 1})

    call_command("import_records", str(path), stdout=StringIO())
    sequence_pending()

    moved = AuditEvent.objects.get(action=Action.CONTENT_PUBLISHED, actor_username="setup")
    assert moved.seq == restored_seq + 1
    assert list(verify_chain()) == []


def test_an_event_still_pending_at_export_is_chained_after_the_restored_trail(busy_site, tmp_path):
    sequence_pending()
    waiting = record_event(action=Action.REPORT_EXPORTED, actor_username="late", data={"n": 1})
    path = tmp_path / "records.json"
    call_command("export_records", str(path), stdout=StringIO())  # (in a transaction here)
    restored_seq = AuditChainHead.objects.get().seq
    remove_people_and_records()

    call_command("import_records", str(path), stdout=StringIO())

    restored = AuditEvent.objects.get(pk=waiting.pk)
    assert (restored.seq, restored.data) == (None, {"n": 1})
    sequence_pending()
    restored.refresh_from_db()
    assert restored.seq == restored_seq + 1
    assert list(verify_chain()) == []


def export_to(tmp_path) -> dict:
    path = tmp_path / "records.json"
    call_command("export_records", str(path), stdout=StringIO())
    return json.loads(path.read_text())


def import_refused(tmp_path, document) -> str:
    path = tmp_path / "bad.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with pytest.raises(CommandError) as refused:
        call_command("import_records", str(path))
    return str(refused.value)


def test_import_into_a_site_with_people_is_refused_and_writes_nothing(busy_site, tmp_path):
    data = export_to(tmp_path)
    before = snapshot()
    message = import_refused(tmp_path, data)
    assert "already holds" in message and "people" in message
    assert snapshot() == before


MALFORMED = [
    (lambda d: "{not json", "not valid JSON"),
    (lambda d: {**d, "format": "something-else"}, "not a records file"),
    (lambda d: {**d, "version": 99}, "version 99"),
    (lambda d: {k: v for k, v in d.items() if k != "attempts"}, '"attempts" is missing'),
    (
        lambda d: d["lesson_progress"][0].update(lesson="/nowhere/at-all/"),
        'lesson_progress[0].lesson: no page "/nowhere/at-all/"',
    ),
    (
        lambda d: d["attempts"][0].update(quiz=["/x/", "Unknown quiz"]),
        "attempts[0].quiz: no quiz",
    ),
    (lambda d: d["people"][0].update(user_id=999999), "people[0].user_id: names users id"),
    (
        lambda d: d["certificates"][0].update(issued_at="yesterday"),
        "certificates[0].issued_at",
    ),
    (lambda d: d["attempts"][0].update(score=None, pass_mark=None), "must not be null"),
    (lambda d: d["users"][0].update(groups=["No such role"]), "users[0].groups"),
    (lambda d: d["units"].append(dict(d["units"][0])), "repeats id"),
    (
        lambda d: d["lesson_progress"].append({**d["lesson_progress"][0], "id": 999_999}),
        "breaks a rule of the database",
    ),
    (
        lambda d: d["survey_responses"][0]["answers"][0].update(value=9),
        "survey_responses[0].answers[0]",
    ),
    (
        lambda d: d["audit_events"][2]["data"].update(forged=True),
        "event 3 was altered after it was written",
    ),
]


def test_a_malformed_file_is_refused_naming_the_problem_and_writes_nothing(busy_site, tmp_path):
    exported = export_to(tmp_path)
    remove_people_and_records()
    before = snapshot()
    for break_it, expected in MALFORMED:
        data = json.loads(json.dumps(exported))
        changed = break_it(data)
        message = import_refused(tmp_path, data if changed is None else changed)
        assert expected in message, (expected, message)
        assert snapshot() == before, expected


# Every problem of the whole structure in the error list; nothing written, never a traceback

BIG = 10**30


def _without(key):
    def drop(data):
        data["attempts"][0]["questions"][0].pop(key)

    return drop


STRUCTURE = [
    (_without("choices"), "attempts[0].questions[0].choices: is missing"),
    (_without("id"), "attempts[0].questions[0].id: is missing"),
    (_without("kind"), "attempts[0].questions[0].kind: is missing"),
    (_without("prompt"), "attempts[0].questions[0].prompt: is missing"),
    (
        lambda d: d["attempts"][0]["questions"][0].update(choices="abc"),
        "attempts[0].questions[0].choices: must be a list",
    ),
    (
        lambda d: d["attempts"][0]["questions"][0]["choices"][0].pop("correct"),
        "attempts[0].questions[0].choices[0].correct: is missing",
    ),
    (
        lambda d: d["attempts"][0]["questions"][0]["choices"][0].update(id="7"),
        "attempts[0].questions[0].choices[0].id: must be an integer",
    ),
    (
        lambda d: d["attempts"][0]["questions"][0].update(kind="essay"),
        "attempts[0].questions[0].kind: must be one of",
    ),
    (lambda d: d["attempts"][0].update(questions={}), "attempts[0].questions: must be a list"),
    (
        lambda d: d["attempts"][0].update(answers={"x": [1]}),
        "attempts[0].answers: must map question ids to lists of choice ids",
    ),
    (lambda d: d["people"][0].update(id=BIG), "people[0].id: must be an integer from"),
    (lambda d: d["people"][0].update(user_id=-(2**70)), "people[0].user_id: must be an integer"),
    (lambda d: d["attempts"][0].update(pass_mark=70_000), "attempts[0].pass_mark"),
    (lambda d: d["attempts"][0].update(number=2**40), "attempts[0].number"),
    (
        lambda d: d["audit_chain_head"].update(seq=2**63),
        "audit_chain_head.seq: must be an integer from",
    ),
    (
        lambda d: d["survey_responses"][0]["answers"][0].update(id=BIG),
        "survey_responses[0].answers[0]",
    ),
]


def test_a_file_with_broken_structure_lists_every_problem_and_writes_nothing(busy_site, tmp_path):
    data = export_to(tmp_path)
    remove_people_and_records()
    before = snapshot()
    data["attempts"][0]["questions"][0].pop("choices")
    data["attempts"][1].update(answers={"x": [1]}, pass_mark=70_000)
    data["people"][0].update(id=BIG)
    data["audit_chain_head"].update(seq=2**63)

    message = import_refused(tmp_path, data)

    for expected in [
        "attempts[0].questions[0].choices: is missing",
        "attempts[1].answers: must map question ids to lists of choice ids",
        "attempts[1].pass_mark",
        "people[0].id: must be an integer from",
        "audit_chain_head.seq: must be an integer from",
    ]:
        assert expected in message, (expected, message)
    assert snapshot() == before


@pytest.mark.parametrize(("break_it", "expected"), STRUCTURE)
def test_each_structure_problem_alone_is_refused(busy_site, tmp_path, break_it, expected):
    exported = export_to(tmp_path)
    remove_people_and_records()
    before = snapshot()
    break_it(exported)

    message = import_refused(tmp_path, exported)

    assert expected in message
    assert snapshot() == before


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"format": "common-ground-records", "a": ' + "[" * 200 + "]" * 200 + "}", "nested"),
        ('{"format": "common-ground-records", "version": NaN}', "not valid JSON"),
        ('{"format": "common-ground-records", "version": Infinity}', "not valid JSON"),
        ('{"format": "common-ground-records", "version": 1e999}', "not valid JSON"),
    ],
    ids=["100000-deep", "200-deep", "nan", "infinity", "overflowing-float"],
)
def test_hostile_json_is_refused_with_a_message(db, tmp_path, document, expected):
    message = import_refused(tmp_path, document)

    assert expected in message
