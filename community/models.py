"""Community events of an agency, the anonymous survey answers given at them, and the switch of
the agency's public transparency page.

Nothing here identifies a respondent: a response holds the phase, an optional role and the
answers, and the time; no account, address, user agent or code. One-time codes live in their
own rows (a keyed hash and when each phase used it), never linked to the response they allowed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.models import Agency


class EventKind(models.TextChoices):
    FORUM = "forum", _("Community forum")
    LISTENING = "listening_session", _("Listening session")
    YOUTH = "youth_dialogue", _("Youth dialogue")
    FOCUS_GROUP = "focus_group", _("Focus group")
    COFFEE = "coffee", _("Coffee with officers")
    OTHER = "other", _("Other event")


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Phase(models.TextChoices):
    PRE = "pre", _("Before the event")
    POST = "post", _("After the event")


class Role(models.TextChoices):
    """What a respondent may say about themselves, and nothing more."""

    RESIDENT = "resident", _("Resident")
    YOUTH = "youth", _("Young person")
    OFFICER = "officer", _("Police officer")
    OFFICIAL = "official", _("Elected or public official")
    COURT = "court", _("Court or justice system")
    OTHER = "other", _("Other")


class CommunityEvent(models.Model):
    """A forum, listening session, youth dialogue... held by one agency, with an optional
    perception survey answered before and after it by participants without accounts.

    The facilitator opens and closes each phase (`pre_open`, `post_open`); a closed event has
    no open phase (the database says so). Changed only through community.services, which
    writes each change to the audit trail.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="community_events")
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.FORUM)
    title = models.CharField(max_length=200)
    title_es = models.CharField(
        "title in Spanish", max_length=200, blank=True, help_text="Empty: the English title."
    )
    date = models.DateField()
    place = models.CharField(max_length=200)
    partners = models.CharField(
        "partner organisations", max_length=300, blank=True, help_text="Separated by commas."
    )
    facilitator = models.CharField(max_length=150, blank=True)
    description = models.TextField(blank=True, help_text="Plain text, shown on the public page.")
    survey = models.ForeignKey(
        "assessments.Survey",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="community_events",
        help_text="The statements participants answer before and after (a published survey).",
    )
    status = models.CharField(
        max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    pre_open = models.BooleanField(default=False)
    post_open = models.BooleanField(default=False)
    uses_codes = models.BooleanField(
        default=False,
        help_text="Participants enter a one-time code printed on a card; each code answers "
        "each phase once.",
    )
    parental_consents = models.PositiveIntegerField(
        default=0,
        help_text="Youth dialogues: how many participants' parental consent forms the "
        "facilitator has collected. Never names.",
    )
    listed = models.BooleanField(
        default=True, help_text="Show this event on the agency's public page (when it is on)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["agency", "-date"], name="community_event_agency_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planned", "open", "closed"]),
                name="community_event_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(pre_open=False, post_open=False),
                name="community_event_closed_has_no_open_phase",
            ),
        ]
        permissions = [
            ("manage_events", "Can create and run community events of own agency"),
            ("moderate_comments", "Can read and moderate participants' comments"),
            ("export_results", "Can export community survey results"),
            ("switch_public_page", "Can switch the agency's public page on or off"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%Y-%m-%d})"

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" and self.title_es else self.title

    def phase_open(self, phase: str) -> bool:
        return {Phase.PRE: self.pre_open, Phase.POST: self.post_open}.get(phase, False)

    @property
    def open_phases(self) -> list[str]:
        return [p for p in (Phase.PRE, Phase.POST) if self.phase_open(p)]

    @property
    def partner_list(self) -> list[str]:
        return [p.strip() for p in self.partners.split(",") if p.strip()]


class ParticipantCode(models.Model):
    """A one-time code printed on a card: it answers each phase of its event once.

    Only a keyed hash of the code is stored (community.codes), so the table cannot be read
    back into usable codes; the cards are printed when the codes are made. Which response a
    code allowed is never recorded."""

    event = models.ForeignKey(CommunityEvent, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, unique=True)
    pre_used_at = models.DateTimeField(null=True, blank=True)
    post_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"code {self.pk} of event {self.event_id}"


class CommunityResponse(models.Model):
    """One participant's answers in one phase: {"<statement id>": 1-5}, written once.

    Deliberately without account, address, user agent, code or language."""

    event = models.ForeignKey(CommunityEvent, on_delete=models.PROTECT, related_name="responses")
    phase = models.CharField(max_length=4, choices=Phase.choices)
    role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    answers = models.JSONField()
    submitted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["event", "phase"], name="community_response_phase")]
        constraints = [
            models.CheckConstraint(
                condition=Q(phase__in=["pre", "post"]), name="community_response_phase_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"response {self.pk} to event {self.event_id} ({self.phase})"


class CommentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Not published")


class CommunityComment(models.Model):
    """A free-text comment left with a response, kept apart from it (no link to the answers or
    role). Coordinators read it; the public sees it only once a coordinator publishes it."""

    event = models.ForeignKey(CommunityEvent, on_delete=models.CASCADE, related_name="comments")
    phase = models.CharField(max_length=4, choices=Phase.choices)
    text = models.TextField()
    status = models.CharField(
        max_length=10, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    submitted_at = models.DateTimeField()
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["submitted_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on event {self.event_id}"


class TransparencyPage(models.Model):
    """Whether an agency's public page (/agencies/<slug>/) is on. Off until command staff
    switch it on; no row means off."""

    agency = models.OneToOneField(
        Agency, on_delete=models.CASCADE, primary_key=True, related_name="transparency_page"
    )
    enabled = models.BooleanField(default=False)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"public page of {self.agency_id}: {'on' if self.enabled else 'off'}"
