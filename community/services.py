"""The rules that change community events, their answers and the agency's public page.

Staff changes (create, edit, open / close a phase, consents, codes, moderation, the public
page switch) each write an audit event in the same transaction. A participant's response is
not audited: the trail records the request's address, and a response must carry none.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import LikertValue, SurveyItem
from community import codes as code_rules
from community.models import (
    CommentStatus,
    CommunityComment,
    CommunityEvent,
    CommunityResponse,
    EventKind,
    EventStatus,
    ParticipantCode,
    Phase,
    Role,
    TransparencyPage,
)
from lms.audit import Action, record_event
from lms.errors import DomainError, ErrorCode
from lms.page_cache import content_changed
from lms.sanitize import clean_text

COMMENT_MAX_LENGTH = 1000
CODES_PER_BATCH = 500
SCALE = frozenset(LikertValue.values)
EDITABLE_FIELDS = (
    "kind",
    "title",
    "title_es",
    "date",
    "place",
    "partners",
    "facilitator",
    "description",
    "survey",
    "status",
    "listed",
)


def _audit(action: str, *, actor, event: CommunityEvent, data: dict | None = None) -> None:
    record_event(action=action, actor=actor, obj=event, agency_id=event.agency_id, data=data)


def _check_survey(survey) -> None:
    if survey is not None and not survey.live:
        raise DomainError(ErrorCode.INVALID, "Choose a published survey.", field="survey")


@transaction.atomic
def event_create(*, actor, agency, **fields) -> CommunityEvent:
    """A new event of `agency` (planned unless `status` says otherwise), audited."""
    _check_survey(fields.get("survey"))
    fields = {name: value for name, value in fields.items() if name in EDITABLE_FIELDS}
    event = CommunityEvent(agency=agency, **fields)
    if event.status == EventStatus.CLOSED:
        event.pre_open = event.post_open = False
    event.save()
    _audit(Action.COMMUNITY_EVENT_CREATED, actor=actor, event=event, data={"kind": event.kind})
    return event


@transaction.atomic
def event_change(*, actor, event: CommunityEvent, **fields) -> CommunityEvent:
    """Change an event's details; closing it closes both phases. The survey cannot change once
    anyone has answered (the before and after would not compare). Audited with what changed."""
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    changes = {}
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            continue
        old = getattr(event, name)
        if old != value:
            changes[name] = [str(old), str(value)]
            setattr(event, name, value)
    if "survey" in changes:
        _check_survey(event.survey)
        if event.responses.exists():
            raise DomainError(
                ErrorCode.CONFLICT,
                "People have already answered this event's survey: its statements can no "
                "longer change.",
                field="survey",
            )
    if event.status == EventStatus.CLOSED and (event.pre_open or event.post_open):
        event.pre_open = event.post_open = False
        changes["phases"] = ["open", "closed"]
    if changes:
        event.save()
        _audit(Action.COMMUNITY_EVENT_CHANGED, actor=actor, event=event, data=changes)
    return event


@transaction.atomic
def phase_set(*, actor, event: CommunityEvent, phase: str, open: bool) -> CommunityEvent:
    """Open or close one phase of the event's survey. Opening needs a survey, an event not
    closed and, for a youth dialogue, parental consents recorded; it makes a planned event
    open. Repeating the current state changes nothing and writes nothing."""
    if phase not in Phase.values:
        raise DomainError(ErrorCode.INVALID, "Unknown phase.", field="phase")
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    if event.phase_open(phase) == open:
        return event
    if open:
        if event.status == EventStatus.CLOSED:
            raise DomainError(ErrorCode.CONFLICT, "This event is closed: reopen it first.")
        if event.survey_id is None:
            raise DomainError(ErrorCode.CONFLICT, "Choose a survey for this event first.")
        if event.kind == EventKind.YOUTH and event.parental_consents == 0:
            raise DomainError(
                ErrorCode.CONFLICT,
                "Record how many parental consent forms were collected before opening the "
                "survey of a youth dialogue.",
            )
        if event.status == EventStatus.PLANNED:
            event.status = EventStatus.OPEN
    setattr(event, f"{phase}_open", open)
    event.save()
    action = Action.COMMUNITY_PHASE_OPENED if open else Action.COMMUNITY_PHASE_CLOSED
    _audit(action, actor=actor, event=event, data={"phase": phase})
    return event


@transaction.atomic
def consents_record(*, actor, event: CommunityEvent, count: int) -> CommunityEvent:
    """How many parental consent forms the facilitator holds for a youth dialogue (a count,
    never names)."""
    if event.kind != EventKind.YOUTH:
        raise DomainError(
            ErrorCode.INVALID, "Only youth dialogues record parental consent.", field="count"
        )
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 10_000:
        raise DomainError(ErrorCode.INVALID, "Enter a number from 0 to 10000.", field="count")
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    before = event.parental_consents
    if before != count:
        event.parental_consents = count
        event.save()
        _audit(
            Action.COMMUNITY_CONSENTS_RECORDED,
            actor=actor,
            event=event,
            data={"parental_consents": [before, count]},
        )
    return event


@transaction.atomic
def codes_issue(*, actor, event: CommunityEvent, count: int) -> list[str]:
    """Make `count` one-time codes (1-500) for the event and switch it to codes. Returns the
    codes, which exist only now: they are printed, and only their hashes are kept."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= CODES_PER_BATCH:
        raise DomainError(
            ErrorCode.INVALID, f"Enter a number from 1 to {CODES_PER_BATCH}.", field="count"
        )
    if event.status == EventStatus.CLOSED:
        raise DomainError(ErrorCode.CONFLICT, "This event is closed.")
    made: set[str] = set()
    while len(made) < count:
        made.add(code_rules.new_code())
    ParticipantCode.objects.bulk_create(
        ParticipantCode(event=event, digest=code_rules.digest(code)) for code in made
    )
    event = CommunityEvent.objects.select_for_update().get(pk=event.pk)
    if not event.uses_codes:
        event.uses_codes = True
        event.save()
    _audit(Action.COMMUNITY_CODES_ISSUED, actor=actor, event=event, data={"count": count})
    return sorted(made)


def _likert(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        raw = int(raw)
    return raw if isinstance(raw, int) and raw in SCALE else None


def validate_answers(*, event: CommunityEvent, answers) -> dict[str, int]:
    """`answers` as {"<statement id>": 1-5} for every statement of the event's survey, or a
    400 naming what is wrong: not an object, a statement of another survey, a value outside
    1-5, a statement left out."""
    if not isinstance(answers, dict) or not answers:
        raise DomainError(
            ErrorCode.INVALID, _("Answer the statements from 1 to 5."), field="answers"
        )
    items = list(
        SurveyItem.objects.filter(survey_id=event.survey_id)
        .order_by("sort_order", "pk")
        .values_list("pk", flat=True)
    )
    known = {str(pk) for pk in items}
    if unknown := set(map(str, answers)) - known:
        raise DomainError(
            ErrorCode.INVALID,
            _("Not a statement of this survey: %(ids)s.") % {"ids": ", ".join(sorted(unknown))},
            field="answers",
        )
    cleaned = {}
    for number, pk in enumerate(items, start=1):
        value = _likert(answers.get(str(pk)))
        if value is None:
            raise DomainError(
                ErrorCode.INVALID,
                _("Statement %(number)s needs an answer from 1 to 5.") % {"number": number},
                field="answers",
            )
        cleaned[str(pk)] = value
    return cleaned


@transaction.atomic
def response_submit(
    *,
    event: CommunityEvent,
    phase,
    answers,
    role="",
    code=None,
    comment="",
) -> CommunityResponse:
    """Record one participant's answers to one phase, or refuse and store nothing.

    400: an unknown phase or role, bad answers (`validate_answers`), a comment too long, a
    missing or unknown code where the event uses codes. 409: the phase is not open, or the
    code has already answered this phase. The code is spent by one conditional UPDATE, so two
    requests racing with one code cannot both succeed; the response row does not say which
    code (if any) allowed it.
    """
    if phase not in Phase.values:
        raise DomainError(ErrorCode.INVALID, _("Choose before or after."), field="phase")
    role = role or ""
    if role not in Role.values and role != "":
        raise DomainError(ErrorCode.INVALID, _("Choose a role from the list."), field="role")
    if not isinstance(comment, str | None):
        raise DomainError(ErrorCode.INVALID, _("A comment is text."), field="comment")
    text = clean_text(comment or "").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise DomainError(
            ErrorCode.INVALID,
            _("A comment can have at most %(n)s characters.") % {"n": COMMENT_MAX_LENGTH},
            field="comment",
        )
    if event.survey_id is None or not event.phase_open(phase):
        raise DomainError(ErrorCode.CONFLICT, _("This survey is not open now."))
    cleaned = validate_answers(event=event, answers=answers)
    now = timezone.now()
    if event.uses_codes:
        if not isinstance(code, str) or not code.strip():
            raise DomainError(
                ErrorCode.INVALID, _("Enter the code printed on your card."), field="code"
            )
        found = ParticipantCode.objects.filter(
            event=event, digest=code_rules.digest(code)
        ).values_list("pk", flat=True)
        code_id = found.first() if code_rules.looks_like_a_code(code) else None
        if code_id is None:
            raise DomainError(
                ErrorCode.INVALID, _("This code is not one of this event's."), field="code"
            )
        used_at = f"{phase}_used_at"
        spent = ParticipantCode.objects.filter(pk=code_id, **{f"{used_at}__isnull": True})
        if not spent.update(**{used_at: now}):
            raise DomainError(
                ErrorCode.CONFLICT, _("This code has already been used for this survey.")
            )
    response = CommunityResponse.objects.create(
        event=event, phase=phase, role=role, answers=cleaned, submitted_at=now
    )
    if text:
        CommunityComment.objects.create(event=event, phase=phase, text=text, submitted_at=now)
    return response


@transaction.atomic
def comment_moderate(*, actor, comment: CommunityComment, publish: bool) -> CommunityComment:
    """Publish a comment on the public page, or keep it off; either decision can be reversed
    later. Audited without the comment's text."""
    status = CommentStatus.PUBLISHED if publish else CommentStatus.REJECTED
    comment = CommunityComment.objects.select_for_update().get(pk=comment.pk)
    if comment.status != status:
        comment.status, comment.moderated_by = status, actor
        comment.moderated_at = timezone.now()
        comment.save()
        record_event(
            action=Action.COMMUNITY_COMMENT_MODERATED,
            actor=actor,
            obj=comment.event,
            agency_id=comment.event.agency_id,
            data={"comment": comment.pk, "status": status},
        )
        transaction.on_commit(content_changed)  # the public page lists published comments
    return comment


@transaction.atomic
def public_page_switch(*, actor, agency, enabled: bool) -> TransparencyPage:
    """Switch the agency's public page on or off (renews the page cache: watched model)."""
    page, _created = TransparencyPage.objects.select_for_update().get_or_create(agency=agency)
    if page.enabled != enabled:
        page.enabled = enabled
        page.save()
        record_event(
            action=Action.PUBLIC_PAGE_SWITCHED,
            actor=actor,
            obj=agency,
            agency_id=agency.pk,
            data={"enabled": enabled},
        )
    return page
