"""The community demo of API.md "Demo data", made through the real services, idempotently.

Riverside has switched its public page on; it held a youth dialogue three weeks ago whose
before and after surveys were answered by enough participants to show a shift, and holds a
forum in ten days whose before survey is open without codes. Lakeside's page is off (it has
a listening session with its survey open, which the public paths answer 404 for).

The survey's statements are written for this demo; they are not taken from a published
instrument. Partner organisations are marked "(demo)": they are not real organisations.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments.models import Survey, SurveyItem
from community import services
from community.models import CommunityEvent, EventKind, EventStatus, Phase, Role
from lms.models import Agency

SURVEY_TITLE = "Community perceptions of policing"
SURVEY_INTRO = (
    "Six statements about the police in your community. Answer before the event and again "
    "after it, so we can see what changed."
)
# (English, Spanish, reverse-worded)
STATEMENTS = [
    (
        "I trust the police department in my community.",
        "Confío en el departamento de policía de mi comunidad.",
        False,
    ),
    (
        "Officers in my community treat people with respect.",
        "Los agentes de mi comunidad tratan a las personas con respeto.",
        False,
    ),
    (
        "Officers listen to what residents have to say.",
        "Los agentes escuchan lo que dicen los residentes.",
        False,
    ),
    (
        "If I had a problem, I would feel comfortable calling the police.",
        "Si tuviera un problema, me sentiría con confianza para llamar a la policía.",
        False,
    ),
    (
        "The police and residents of my community work together to solve problems.",
        "La policía y los residentes de mi comunidad trabajan juntos para resolver problemas.",
        False,
    ),
    (
        "Police officers in my community treat some groups of people unfairly.",
        "Los agentes de policía de mi comunidad tratan injustamente a algunos grupos de personas.",
        True,
    ),
]

# Who answered the youth dialogue: (role, how many) per phase; every group reaches the default
# minimum of five in both phases, so the page shows the shift for everyone and by role.
YOUTH_PRE = [(Role.YOUTH, 12), (Role.OFFICER, 5)]
YOUTH_POST = [(Role.YOUTH, 11), (Role.OFFICER, 5)]


def demo_survey() -> Survey:
    survey = Survey.objects.filter(title=SURVEY_TITLE).first()
    if survey is not None:
        return survey
    survey = Survey.objects.create(title=SURVEY_TITLE, intro=SURVEY_INTRO)
    for order, (english, spanish, reverse_worded) in enumerate(STATEMENTS):
        SurveyItem.objects.create(
            survey=survey,
            sort_order=order,
            statement=english,
            statement_es=spanish,
            reversed=reverse_worded,
        )
    survey.save_revision().publish()
    return survey


# Per statement: the answer most participants start from, and how many in ten move up a point.
DEMO_START = [2, 3, 2, 3, 2, 4]
DEMO_LIFT = [7, 4, 8, 5, 6, 3]


def demo_answers(items: list[SurveyItem], participant: int, phase: str) -> dict[str, int]:
    """Plausible, deterministic answers: guarded before, warmer after, by different amounts
    per statement (for the reverse-worded one, agreement falls)."""
    answers = {}
    for i, item in enumerate(items):
        start, lift = DEMO_START[i % len(DEMO_START)], DEMO_LIFT[i % len(DEMO_LIFT)]
        before = min(5, max(1, start + (participant * 5 + i) % 3 - 1))
        moved = (participant * 7 + i * 3) % 10 < lift
        value = min(5, before + moved) if phase == Phase.POST else before
        answers[str(item.pk)] = 6 - value if item.reversed else value
    return answers


def _answer(event: CommunityEvent, phase: str, groups) -> int:
    items = list(event.survey.items.order_by("sort_order", "pk"))
    participant = 0
    for role, count in groups:
        for _ in range(count):
            participant += 1
            services.response_submit(
                event=event,
                phase=phase,
                answers=demo_answers(items, participant, phase),
                role=role,
            )
    return participant


@transaction.atomic
def seed_community_demo() -> str:
    riverside = Agency.objects.filter(slug="riverside-pd").first()
    lakeside = Agency.objects.filter(slug="lakeside-pd").first()
    if riverside is None or lakeside is None:
        return "Community demo skipped: run seed_demo first (it makes the agencies)."
    users = get_user_model().objects
    coordinator = users.filter(username="coordinator").first()
    command = users.filter(username="command").first()
    command2 = users.filter(username="command2").first()
    survey = demo_survey()
    today = timezone.localdate()
    answered = 0

    services.public_page_switch(actor=command, agency=riverside, enabled=True)
    services.public_page_switch(actor=command2, agency=lakeside, enabled=False)

    youth = CommunityEvent.objects.filter(
        agency=riverside, kind=EventKind.YOUTH, title="Youth and police dialogue"
    ).first()
    if youth is None:
        youth = services.event_create(
            actor=coordinator,
            agency=riverside,
            kind=EventKind.YOUTH,
            title="Youth and police dialogue",
            title_es="Diálogo entre jóvenes y policía",
            date=today - timedelta(days=21),
            place="Community center, main hall",
            partners="Northgate Middle School (demo), Human Relations Council (demo)",
            facilitator="Human Relations Council (demo)",
            description="Middle-school students and officers in small circles: what safety "
            "means to each, and one thing each side wishes the other knew.",
            survey=survey,
        )
        services.consents_record(actor=coordinator, event=youth, count=12)
        youth = services.phase_set(actor=coordinator, event=youth, phase=Phase.PRE, open=True)
        answered += _answer(youth, Phase.PRE, YOUTH_PRE)
        youth = services.phase_set(actor=coordinator, event=youth, phase=Phase.PRE, open=False)
        youth = services.phase_set(actor=coordinator, event=youth, phase=Phase.POST, open=True)
        answered += _answer(youth, Phase.POST, YOUTH_POST)
        youth = services.phase_set(actor=coordinator, event=youth, phase=Phase.POST, open=False)
        services.event_change(actor=coordinator, event=youth, status=EventStatus.CLOSED)

    if not CommunityEvent.objects.filter(agency=riverside, kind=EventKind.FORUM).exists():
        forum = services.event_create(
            actor=coordinator,
            agency=riverside,
            kind=EventKind.FORUM,
            title="Community forum on neighborhood safety",
            title_es="Foro comunitario sobre la seguridad del vecindario",
            date=today + timedelta(days=10),
            place="Public library, meeting room",
            partners="Neighborhood association (demo)",
            facilitator="Community Services unit",
            description="Residents and officers talk about traffic, lighting and what makes "
            "a street feel safe. Open to everyone; interpretation in Spanish.",
            survey=survey,
        )
        services.phase_set(actor=coordinator, event=forum, phase=Phase.PRE, open=True)

    if not CommunityEvent.objects.filter(agency=lakeside).exists():
        session = services.event_create(
            actor=command2,
            agency=lakeside,
            kind=EventKind.LISTENING,
            title="Listening session",
            date=today + timedelta(days=14),
            place="City hall",
            survey=survey,
        )
        services.phase_set(actor=command2, event=session, phase=Phase.PRE, open=True)
    return (
        f"Community demo: Riverside's public page on, Lakeside's off; {answered} demo survey "
        "responses."
    )
