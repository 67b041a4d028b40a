"""Every write that changes what a cached page shows renews the right version
(lms/page_cache/signal_handlers.py), and no write can skip it unnoticed.

1. A table of writes, one row per watched model and way of writing it, each with the versions
   it must renew, and only those (progress must not throw away everyone's pages).
2. Writes that send no signal (QuerySet.update, bulk_create, bulk_update, raw SQL) are found in
   the app source and must each be listed below with the reason the cache stays right; the
   listed ones that renew are in the table too.
3. Every model of lms, assessments and courses is watched or listed as shown on no cached page.
"""

import ast
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.db.models.signals import post_migrate
from rest_framework.authtoken.models import Token
from wagtail.models import Page, Revision, Site

from assessments.surveys import survey_submit
from courses.models import LessonPage
from courses.progress import services
from courses.scenarios import services as scenario_services
from lms import page_cache, roles
from lms.models import Unit
from lms.page_cache.signal_handlers import WATCHED
from lms.roster import import_roster
from records.exporting import export_records
from records.importing import import_records, parse_records
from tests.factories import (
    AssignmentFactory,
    LessonPageFactory,
    UnitFactory,
    add_branching_scenario,
    make_survey,
)
from tests.helpers import complete_lessons, pass_module, start_quiz
from tests.lms.test_roster import GOOD_ROWS, csv_file
from tests.records.test_export_import import remove_people_and_records

pytestmark = pytest.mark.usefixtures("page_cache_on")

REPO = Path(__file__).resolve().parents[2]
APPS = ("lms", "assessments", "courses", "oversight", "records", "authoring", "community")


# --- 1. What each write renews --------------------------------------------------------------


@dataclass
class World:
    """The learner (agency A, with an assignment), their curriculum, and what a case prepared."""

    learner: object
    curriculum: object
    agency_a: object
    agency_b: object
    prepared: object = None

    @property
    def module(self):
        return self.curriculum.modules[0]

    @property
    def lesson(self):
        return self.module.lessons[0]


def versions(world: World) -> dict[str, int]:
    """The versions a write can renew, by the names the table uses."""
    user_id = world.learner.user_id
    keys = {
        "content": page_cache.CONTENT_VERSION,
        "user": page_cache._user_key(user_id),
        "account": page_cache._account_key(user_id),
        "agency A": page_cache._agency_key(world.agency_a.pk),
        "agency B": page_cache._agency_key(world.agency_b.pk),
    }
    return dict(zip(keys, page_cache._versions(*keys.values()), strict=True))


@dataclass
class Case:
    write: Callable[[World], object]
    renews: set[str]
    given: Callable[[World], object] | None = None


def _publish(obj):
    obj.title = f"{obj.title} (revised)"
    obj.save_revision().publish()


def _draft(obj):
    obj.title = f"{obj.title} (draft)"
    obj.save_revision()


def _offer_a_survey(w):
    w.curriculum.page.survey = make_survey()
    w.curriculum.page.save_revision().publish()
    return w.curriculum.page.survey


def _change_agency(w):
    w.learner.agency = w.agency_b
    w.learner.save()


def _deactivate(w):
    w.learner.user.is_active = False
    w.learner.user.save()


def _group_permission(w):
    group = roles.ensure_roles()[roles.LEARNER]
    return group, Permission.objects.exclude(group=group).first()


def _scenario_begun(w) -> str:
    block_id = add_branching_scenario(w.lesson)
    scenario_services.scenario_choose(
        person=w.learner, lesson=w.lesson, block_id=block_id, run=1, step="arrival", choice=0
    )
    return block_id


def _export(w) -> str:
    out = StringIO()
    export_records(out)
    remove_people_and_records()
    return out.getvalue()


LEARNER = {"user", "agency A"}  # the learner's own pages and their agency's oversight pages
ACCOUNT = {"account", "user"}  # …and what each worker keeps about the account
CONTENT = {"content"}  # every cached page

CASES = {
    # Pages: Wagtail's signals, and saves of live pages that send none (add_child, imports).
    "a page published": Case(lambda w: _publish(w.curriculum.page), CONTENT),
    "a page's draft saved": Case(lambda w: _draft(w.curriculum.page), set()),
    "a page locked": Case(
        lambda w: w.lesson.save(update_fields=["locked", "locked_at", "locked_by"]), set()
    ),
    "a page unpublished": Case(lambda w: w.lesson.unpublish(), CONTENT),
    "a page moved": Case(
        lambda w: w.lesson.move(w.curriculum.modules[1].page, pos="last-child"), CONTENT
    ),
    "a page deleted": Case(lambda w: w.lesson.delete(), CONTENT),
    "a live page added without a revision (imports, load_curriculum)": Case(
        lambda w: LessonPageFactory(parent=w.module.page), CONTENT
    ),
    "a live page saved directly": Case(lambda w: w.lesson.save(), CONTENT),
    "the site's root page changed": Case(
        lambda w: Site.objects.get(is_default_site=True).save(), CONTENT
    ),
    # Quizzes and surveys (snippets): published, unpublished, deleted.
    "a quiz published": Case(lambda w: _publish(w.module.quiz), CONTENT),
    "a quiz's draft saved": Case(lambda w: _draft(w.module.quiz), set()),
    "a quiz unpublished": Case(lambda w: w.module.quiz.unpublish(), CONTENT),
    "a survey deleted (curricula offering it lose it: SET_NULL)": Case(
        lambda w: w.prepared.delete(), CONTENT, given=_offer_a_survey
    ),
    # What decides who sees which curriculum.
    "an assignment created": Case(
        lambda w: AssignmentFactory(curriculum=w.curriculum.page, agency=w.agency_b), CONTENT
    ),
    "an assignment changed": Case(lambda w: w.curriculum.page.assignments.get().save(), CONTENT),
    "an assignment deleted": Case(lambda w: w.curriculum.page.assignments.get().delete(), CONTENT),
    "a unit created": Case(lambda w: UnitFactory(agency=w.agency_a), CONTENT),
    "a unit deleted": Case(
        lambda w: w.prepared.delete(), CONTENT, given=lambda w: UnitFactory(agency=w.agency_a)
    ),
    "an agency renamed": Case(lambda w: w.agency_b.save(), CONTENT),
    "a roster imported (bulk writes)": Case(
        lambda w: import_roster(agency=w.agency_a, file=csv_file(*GOOD_ROWS)), CONTENT
    ),
    "a group's permissions changed": Case(
        lambda w: w.prepared[0].permissions.add(w.prepared[1]), CONTENT, given=_group_permission
    ),
    "a group's members changed from the group": Case(
        lambda w: w.prepared.user_set.add(w.learner.user),
        CONTENT,
        given=lambda w: roles.ensure_roles()[roles.TRAINER],
    ),
    "a unit's overseers changed from the unit": Case(
        lambda w: w.prepared.overseers.add(w.learner),
        CONTENT,
        given=lambda w: UnitFactory(agency=w.agency_a),
    ),
    "an API token deleted": Case(
        lambda w: w.prepared.delete(),
        ACCOUNT,
        given=lambda w: Token.objects.create(user=w.learner.user),
    ),
    "an API token created (every API sign-in)": Case(
        lambda w: Token.objects.create(user=w.learner.user), set()
    ),
    # The learner's own facts.
    "a lesson completed": Case(
        lambda w: services.lesson_complete(person=w.learner, lesson=w.lesson), LEARNER
    ),
    "an attempt started": Case(
        lambda w: start_quiz(w.learner, w.module),
        LEARNER,
        given=lambda w: complete_lessons(w.learner, w.module),
    ),
    "a module passed (attempt, completion, training record)": Case(
        lambda w: pass_module(w.learner, w.module),
        LEARNER,
        given=lambda w: complete_lessons(w.learner, w.module),
    ),
    "a scenario choice taken (the path is saved with it)": Case(
        lambda w: scenario_services.scenario_choose(
            person=w.learner, lesson=w.lesson, block_id=w.prepared, run=1, step="arrival", choice=0
        ),
        LEARNER,
        given=lambda w: add_branching_scenario(w.lesson),
    ),
    "a scenario walked again": Case(
        lambda w: scenario_services.scenario_restart(
            person=w.learner, lesson=w.lesson, block_id=w.prepared, run=1
        ),
        LEARNER,
        given=lambda w: _scenario_begun(w),
    ),
    "a survey answered": Case(
        lambda w: survey_submit(
            survey=w.prepared,
            user=w.learner.user,
            phase="pre",
            answers={str(item.pk): 4 for item in w.prepared.items.all()},
        ),
        LEARNER,
        given=lambda w: make_survey(),
    ),
    "a certificate revoked (its public verification page too)": Case(
        lambda w: services.certificate_revoke(certificate=w.prepared, by=None, reason="Error."),
        LEARNER | CONTENT,
        given=lambda w: (
            [pass_module(w.learner, m) for m in w.curriculum.modules],
            w.learner.certificates.get(),
        )[1],
    ),
    # The account: what each worker keeps about it, and what the person may see.
    "a person changed": Case(lambda w: w.learner.save(), ACCOUNT | {"agency A"}),
    "a person moved to another agency (both dashboards)": Case(
        _change_agency, ACCOUNT | {"agency A", "agency B"}
    ),
    "an account deactivated": Case(_deactivate, ACCOUNT | {"agency A"}),
    "an account's groups changed": Case(
        lambda w: w.learner.user.groups.add(w.prepared),
        ACCOUNT,
        given=lambda w: roles.ensure_roles()[roles.TRAINER],
    ),
    "an account's own permissions changed": Case(
        lambda w: w.learner.user.user_permissions.add(Permission.objects.first()), ACCOUNT
    ),
    "a person's oversight units changed": Case(
        lambda w: w.learner.oversight_units.add(w.prepared),
        ACCOUNT,
        given=lambda w: UnitFactory(agency=w.agency_a),
    ),
    # Bulk restore: every row written with bulk_create, then content renewed explicitly.
    "records restored (bulk writes)": Case(
        lambda w: import_records(parse_records(w.prepared)),
        CONTENT,
        given=lambda w: (pass_module(w.learner, w.module), _export(w))[1],
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_each_write_renews_exactly_its_versions(
    name, learner, curriculum, agency_a, agency_b, django_capture_on_commit_callbacks
):
    case = CASES[name]
    world = World(learner=learner, curriculum=curriculum, agency_a=agency_a, agency_b=agency_b)
    with django_capture_on_commit_callbacks(execute=True):
        world.prepared = case.given(world) if case.given else None
    before = versions(world)

    with django_capture_on_commit_callbacks(execute=True):
        case.write(world)

    after = versions(world)
    assert {key for key in before if after[key] != before[key]} == case.renews


def test_nothing_is_renewed_before_the_commit(learner, curriculum, agency_a, agency_b):
    """A concurrent request must not store the old page under the new version."""
    world = World(learner=learner, curriculum=curriculum, agency_a=agency_a, agency_b=agency_b)
    before = versions(world)
    with transaction.atomic():
        services.lesson_complete(person=learner, lesson=world.lesson)
        _publish(curriculum.page)
        assert versions(world) == before


def test_a_rolled_back_write_renews_nothing(learner, curriculum, agency_a, agency_b):
    world = World(learner=learner, curriculum=curriculum, agency_a=agency_a, agency_b=agency_b)
    before = versions(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        _publish(curriculum.page)
        raise RuntimeError
    assert versions(world) == before


# --- 2. Writes that send no signal ------------------------------------------------------------

# (file, enclosing function, method): why every cached page stays right.
SILENT_WRITES = {
    ("assessments/services.py", "_close", "execute"): (
        "closes an open attempt by one conditional UPDATE; attempt_submit then sends the "
        "post_save a save would have sent (the learner's pages and the report's score counts "
        "renew as before)"
    ),
    ("assessments/services.py", "record_items", "executemany"): (
        "item-analysis rows, shown on no cached page (the report is not cached)"
    ),
    ("lms/roster.py", "_write", "bulk_update"): (
        "import_roster renews the content version when its transaction commits"
    ),
    ("lms/roster.py", "_create_people", "bulk_create"): "the same roster import",
    ("records/importing.py", "flush", "bulk_create"): (
        "import_records renews the content version when its transaction commits"
    ),
    ("records/importing.py", "_reset_sequences", "execute"): (
        "moves PostgreSQL's id sequences on: no row changes"
    ),
    ("records/drill.py", "backup", "execute"): (
        "backup_drill: SET TRANSACTION ISOLATION LEVEL and pg_export_snapshot; it only reads"
    ),
    ("records/drill.py", "table_counts", "execute"): "backup_drill counts rows: it only reads",
    ("records/drill.py", "create_database", "execute"): (
        "backup_drill's CREATE DATABASE of a scratch copy, never the site's own"
    ),
    ("records/drill.py", "drop_database", "execute"): "backup_drill drops its scratch copies",
    ("records/drill.py", "_site_env", "update"): (
        "a dict update of the environment for a restored copy's commands: no database write"
    ),
    ("records/exporting.py", "export_records", "execute"): (
        "SET TRANSACTION ISOLATION LEVEL: the export only reads"
    ),
    ("lms/health.py", "_database", "execute"): "SELECT 1 (/readyz): no row changes",
    ("lms/routing.py", "_live_page", "execute"): "reads a page's live revision: no row changes",
    ("assessments/surveys.py", "survey_submit", "bulk_create"): (
        "survey answers are shown only in the survey report, which is not cached; the "
        "response saved with them renews the respondent's pages"
    ),
    ("authoring/curriculum_data.py", "_build_quiz", "bulk_create"): (
        "the choices of a new quiz, which is published next (publishing renews content)"
    ),
    ("authoring/curriculum_data.py", "_build_survey", "bulk_create"): (
        "the statements of a new survey, which is published next"
    ),
    ("authoring/exchange/importing.py", "_store_files", "update"): (
        "the stored file name of an image or document created by this import, whose pages "
        "are created live in the same transaction (saving a live page renews content)"
    ),
    ("community/services.py", "codes_issue", "bulk_create"): (
        "one-time codes are shown on no cached page (only their use is checked)"
    ),
    ("community/services.py", "response_submit", "update"): (
        "spends a one-time code; a code is shown on no cached page, and the public pages show "
        "the answers it allows within PUBLIC_PAGE_SECONDS (community.transparency)"
    ),
    ("lms/audit.py", "_store_places", "executemany"): (
        "gives pending audit events their place in the chain; the audit trail is not cached"
    ),
    ("lms/audit.py", "_store_head", "execute"): "moves the audit chain's head with them",
    ("lms/audit.py", "_select_head", "execute"): "the sequencer reads the chain head",
    ("lms/audit.py", "_pending_exist", "execute"): "the sequencer looks for pending events",
    ("lms/db/rows.py", "insert", "execute"): (
        "a new row written out between the pre_save and post_save signals a save sends: the "
        "receivers renew the pages as they do for save() (an attempt; an audit event, which is "
        "on no cached page)"
    ),
    ("assessments/services.py", "_lock_learner", "execute"): (
        "SELECT ... FOR UPDATE of the learner's account: it locks, writes nothing"
    ),
    ("lms/page_cache/signal_handlers.py", "_person_placement", "execute"): (
        "reads whose pages a progress row is on: no row changes"
    ),
    ("lms/audit.py", "append_moved_events", "bulk_create"): (
        "audit events again (import_records, which renews the content version itself)"
    ),
    ("courses/progress/tally.py", "_add", "executemany"): (
        "the report's tallies, moved with the facts (whose writes renew the pages)"
    ),
    ("courses/progress/tally.py", "attempt_scored", "execute"): "the same tallies",
    ("courses/progress/services.py", "_module_standing", "execute"): (
        "a quiz start's SELECT (module passed? lessons read?): no row changes"
    ),
    ("courses/scenarios/selectors.py", "scenario_states", "execute"): (
        "reads a learner's walks of a lesson's scenarios: no row changes"
    ),
    ("courses/progress/selectors.py", "_visible_ids", "execute"): (
        "reads which curricula reach a learner: no row changes"
    ),
    ("courses/progress/selectors.py", "surveys_answered", "execute"): (
        "reads which survey phases a learner has answered: no row changes"
    ),
    ("courses/reflections.py", "reflections_of", "execute"): (
        "reads a learner's reflection answers in a lesson: no row changes"
    ),
    ("lms/db/rows.py", "_rows", "execute"): (
        "reads rows into models (a learner's training records): no row changes"
    ),
    ("lms/db/rows.py", "fetch_together", "execute"): (
        "reads a learner's training records and progress facts together: no row changes"
    ),
    ("courses/progress/tally.py", "_refresh", "bulk_create"): "the same tallies",
    ("courses/progress/tally.py", "_refresh", "bulk_update"): "the same tallies",
    # Not querysets: dictionaries that take keyword arguments too.
    ("courses/models.py", "get_context", "update"): "a template context (dict)",
    ("assessments/forms.py", "__init__", "update"): "a form field's error messages (dict)",
    ("authoring/content_check.py", "_check_questions", "update"): "a module's figures (dict)",
    ("authoring/content_check.py", "_check_sources", "update"): "a module's figures (dict)",
    ("authoring/content_check.py", "_check_seat_time", "update"): "a module's figures (dict)",
}
SILENT_METHODS = {"update", "bulk_create", "bulk_update", "raw", "execute", "executemany"}
QUERYSET_STEPS = {"objects", "_default_manager", "_base_manager", "filter", "exclude", "all"}


def _looks_like_a_queryset_update(call: ast.Call) -> bool:
    """`update` on a manager or queryset chain, or with keyword arguments only (as
    QuerySet.update takes them); dict.update(mapping) and set.update(items) are not."""
    node = call.func.value
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Attribute) and node.attr in QUERYSET_STEPS:
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return bool(call.keywords) and not call.args


def silent_writes(root: Path) -> set[tuple[str, str, str]]:
    """(file, enclosing function, method) of each call that can write rows without signals."""
    found = set()

    def visit(node: ast.AST, path: str, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SILENT_METHODS
            and (node.func.attr != "update" or _looks_like_a_queryset_update(node))
        ):
            found.add((path, function, node.func.attr))
        for child in ast.iter_child_nodes(node):
            visit(child, path, function)

    for app in APPS:
        for file in sorted((root / app).rglob("*.py")):
            if "migrations" in file.parts or "settings" in file.parts:
                continue
            visit(ast.parse(file.read_text()), str(file.relative_to(root)), "<module>")
    return found


def test_every_write_that_sends_no_signal_is_accounted_for():
    assert silent_writes(REPO) == set(SILENT_WRITES)


def test_the_scan_finds_a_new_bulk_write(tmp_path):
    """The check itself can fail: a queryset update in a new function is reported."""
    (tmp_path / "courses").mkdir()
    (tmp_path / "courses" / "new.py").write_text(
        "def extend(ids, day):\n"
        "    Assignment.objects.filter(pk__in=ids).update(due_date=day)\n"
        "    progress = LessonProgress.objects.all()\n"
        "    progress.update(cycle=2)\n"
        "    context = {}\n"
        "    context.update({'a': 1})\n"
    )
    assert silent_writes(tmp_path) == {("courses/new.py", "extend", "update")}
    (tmp_path / "courses" / "new.py").write_text("def f(rows):\n    qs.update(cycle=2)\n")
    assert silent_writes(tmp_path) == {("courses/new.py", "f", "update")}


# --- 3. Every model is watched or shown on no cached page -------------------------------------

NOT_ON_CACHED_PAGES = {
    "lms.AuditEvent": "the audit trail page is not cached",
    "lms.AuditChainHead": "the audit trail page is not cached",
    "courses.ReportStanding": "kept with the facts, whose writes renew the pages",
    "courses.ReportCount": "kept with the facts, whose writes renew the pages",
    "courses.ScoreCount": "kept with the attempts, whose writes renew the pages",
    "assessments.Question": "part of its quiz: written when the quiz is published",
    "assessments.Choice": "part of its question: written when the quiz is published",
    "assessments.SurveyItem": "part of its survey: written when the survey is published",
    "assessments.SurveyAnswer": "shown only in the survey report, which is not cached",
    "courses.ReminderLog": "which reminders were sent: shown on no page",
    "courses.ScenarioChoice": "written with its path, saved after it (the path is watched)",
    "assessments.AttemptItem": "item-analysis rows: the report is not cached",
    "assessments.AttemptPick": "item-analysis rows: the report is not cached",
    "lms.UserSession": "sessions: read by the session middleware, shown on no page",
    "lms.TokenVerification": (
        "written with its token, never changed, deleted with it (the token is watched)"
    ),
    "community.CommunityResponse": (
        "answers reach the public agency page in aggregate, which is cached for at most "
        "PUBLIC_PAGE_SECONDS (community.transparency) so a room answering does not renew "
        "every page hundreds of times"
    ),
    "community.ParticipantCode": "one-time codes: shown on no page",
    "community.CommunityComment": (
        "published by community.services.comment_moderate, which renews the content version"
    ),
}


def test_every_model_is_watched_or_shown_on_no_cached_page():
    labels = {
        model._meta.label
        for app in ("lms", "assessments", "courses", "community")
        for model in apps.get_app_config(app).get_models()
    }
    watched = {model._meta.label for model in WATCHED}
    assert labels - watched == set(NOT_ON_CACHED_PAGES)
    for model in (get_user_model(), Token, Group, Site, Page, LessonPage, Unit):
        assert model in WATCHED


def test_a_parent_whose_deletion_changes_a_watched_row_is_watched():
    """SET_NULL changes rows with a query that sends no signal: the parent's deletion renews."""
    for model in WATCHED:
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)
                and field.model._meta.app_label in ("lms", "assessments", "courses")
                and field.remote_field.on_delete is models.SET_NULL
                and field.related_model is not Revision  # a revision is not what is shown
            ):
                assert field.related_model in WATCHED, f"{model._meta.label}.{field.name}"


def test_a_migrate_that_applied_anything_renews_content(learner, curriculum, agency_a, agency_b):
    """Data migrations write rows without signals; a migrate with nothing to do renews nothing."""
    world = World(learner=learner, curriculum=curriculum, agency_a=agency_a, agency_b=agency_b)
    lms_app = apps.get_app_config("lms")
    before = versions(world)
    post_migrate.send(sender=lms_app, app_config=lms_app, using="default", plan=[])
    assert versions(world) == before
    post_migrate.send(sender=lms_app, app_config=lms_app, using="default", plan=[("m", False)])
    assert versions(world)["content"] != before["content"]
