"""Every person and training record of a site in one JSON file, and back (`export_records`,
`import_records`): for moving a site to a new server or restoring one, without the CMS.

The file (format `common-ground-records`, version 1) is one JSON object:

    {"format": "common-ground-records", "version": 1, "exported_at": "<ISO 8601>",
     "users": [...], "agencies": [...], "units": [...], "people": [...],
     "assignments": [...], "attempts": [...], "lesson_progress": [...], "reflections": [...],
     "module_completions": [...], "curriculum_completions": [...], "certificates": [...],
     "training_records": [...], "survey_responses": [...], "reminders": [...],
     "audit_events": [...], "audit_chain_head": {"seq": N, "hash": "..."}}

Each section is a list of rows, one per database row, keyed by the model's field names
(`person_id`, `completed_at`, ...) with their primary key as `id`. Timestamps are ISO 8601
with their offset, decimals are strings. Users carry their password hash and their groups by
name; people their `oversight_units` ids; survey responses their `answers`.

Primary keys are kept: audit events name people, agencies, users and objects by id, and their
hashes cover those ids, so a restored trail verifies and still points at the right rows.

The curriculum is not in the file: it must already exist on the importing site (`seed_demo`
or `import_curriculum`). Rows name it by stable keys, mapped to the local ids on import:
- a page (`lesson`, `module`, `curriculum`) by its URL path, e.g. "/home/course/module-1/";
- a quiz or survey by `[curriculum URL path, title]` (the curriculum whose module uses the
  quiz, or which offers the survey; "" when none does);
- a survey statement by `[curriculum URL path, survey title, statement]`.
Reflections are learners' private answers to reflection prompts (`lesson`, the prompt block's
`block_id`, the `prompt` as answered, `text`); this file is an operator's backup, not a view
anyone reads. An attempt's item-analysis rows are not in the file: they are derived from its
snapshot and answers on import. An attempt's question snapshot is self-contained, so it is
kept as it was; the quiz revision
it was served from is kept only when that revision exists locally, for that quiz.
"""

from django.contrib.auth import get_user_model

from assessments.models import Attempt, SurveyResponse
from courses.models import (
    Assignment,
    Certificate,
    CurriculumCompletion,
    LessonProgress,
    ModuleCompletion,
    ReflectionAnswer,
    ReminderLog,
    TrainingRecord,
)
from lms.models import Agency, AuditEvent, Person, Unit

FORMAT = "common-ground-records"
VERSION = 1

# Section name → model, in the order they are written and restored (references point back).
SECTIONS = {
    "users": get_user_model(),
    "agencies": Agency,
    "units": Unit,
    "people": Person,
    "assignments": Assignment,
    "attempts": Attempt,
    "lesson_progress": LessonProgress,
    "reflections": ReflectionAnswer,
    "module_completions": ModuleCompletion,
    "curriculum_completions": CurriculumCompletion,
    "certificates": Certificate,
    "training_records": TrainingRecord,
    "survey_responses": SurveyResponse,
    "reminders": ReminderLog,
    "audit_events": AuditEvent,
}

# Sections added after version 1 was first written: a file without them has none.
OPTIONAL_SECTIONS = ("reflections",)

USER_FIELDS = [
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "password",
    "is_active",
    "is_staff",
    "is_superuser",
    "date_joined",
    "last_login",
]

# Fields that name curriculum content, written as stable keys: field name → kind of key.
CONTENT_REFERENCES = {"lesson": "page", "module": "page", "curriculum": "page", "quiz": "quiz"}


def section_fields(model) -> list:
    """The concrete fields a section row carries (users: the account fields only)."""
    if model is get_user_model():
        return [model._meta.get_field(name) for name in USER_FIELDS]
    return [f for f in model._meta.concrete_fields if f.name not in ("quiz_revision", "survey")]


class RecordsError(Exception):
    """The file cannot be imported; `problems` says where and why (nothing was written)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems
