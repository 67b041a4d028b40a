"""The xAPI vocabulary we use and the pieces every statement shares (xAPI 1.0.3).

- Verbs and activity types from ADL's vocabulary (http://adlnet.gov/expapi/...).
- The actor is an Agent identified by an `account`: `homePage` the site address (SITE_URL) and
  `name` the person's opaque id (`XapiAccount`), never a name, email or database id.
- Activity IRIs are built on SITE_URL from the object's kind and primary key
  (`{SITE_URL}/xapi/activities/module/12`): stable while the site keeps its address, whatever
  the page's title or slug becomes.
- `context.registration` is one UUID per person, curriculum and certification cycle, derived
  from the person's opaque id, so every statement of one cycle shares it.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings

from lms.models import Person
from xapi.models import XapiAccount

ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITY = "http://adlnet.gov/expapi/activities/"


class Verb:
    ATTEMPTED = "attempted"
    PASSED = "passed"
    FAILED = "failed"
    COMPLETED = "completed"


class ActivityType:
    COURSE = ADL_ACTIVITY + "course"
    MODULE = ADL_ACTIVITY + "module"
    LESSON = ADL_ACTIVITY + "lesson"
    ASSESSMENT = ADL_ACTIVITY + "assessment"


def verb(name: str) -> dict:
    return {"id": ADL_VERB + name, "display": {"en-US": name}}


def activity_iri(kind: str, *parts: object) -> str:
    """`{SITE_URL}/xapi/activities/<kind>/<part>/...`, e.g. ("quiz", 4, "revision", 31)."""
    path = "/".join([kind, *(str(part) for part in parts)])
    return f"{settings.SITE_URL}/xapi/activities/{path}"


def activity(iri: str, *, type_: str, name: str) -> dict:
    return {
        "objectType": "Activity",
        "id": iri,
        "definition": {"type": type_, "name": {"en-US": name}},
    }


def account_name(person: Person) -> uuid.UUID:
    """The person's opaque id, created the first time a statement names them."""
    account, _ = XapiAccount.objects.get_or_create(person=person)
    return account.name


def actor(name: uuid.UUID) -> dict:
    return {
        "objectType": "Agent",
        "account": {"homePage": settings.SITE_URL, "name": str(name)},
    }


def registration(name: uuid.UUID, *, curriculum_id: int, cycle: int) -> str:
    """One UUID per person, curriculum and certification cycle (courses/progress/cycle.py)."""
    return str(uuid.uuid5(name, f"curriculum/{curriculum_id}/cycle/{cycle}"))


def duration(elapsed: timedelta) -> str:
    """ISO 8601 duration to the hundredth of a second, as xAPI asks: PT1H2M3.45S."""
    centiseconds = max(round(elapsed.total_seconds() * 100), 0)
    hours, rest = divmod(centiseconds, 360_000)
    minutes, rest = divmod(rest, 6_000)
    seconds = f"{rest // 100}.{rest % 100:02d}".removesuffix(".00")
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if rest or not (hours or minutes):
        text += f"{seconds}S"
    return text


def statement(
    *,
    actor_name: uuid.UUID,
    verb_name: str,
    obj: dict,
    timestamp: datetime,
    registration_id: str,
    parent: list[dict] | None = None,
    grouping: list[dict] | None = None,
    other: list[dict] | None = None,
    revision: str | None = None,
    result: dict | None = None,
) -> dict:
    """A statement without its id (the outbox assigns it)."""
    context_activities = {
        key: value
        for key, value in (("parent", parent), ("grouping", grouping), ("other", other))
        if value
    }
    context: dict = {"registration": registration_id, "platform": settings.WAGTAIL_SITE_NAME}
    if revision:
        context["revision"] = revision
    if context_activities:
        context["contextActivities"] = context_activities
    built = {
        "actor": actor(actor_name),
        "verb": verb(verb_name),
        "object": obj,
        "context": context,
        "timestamp": timestamp.isoformat(),
    }
    if result is not None:
        built["result"] = result
    return built
