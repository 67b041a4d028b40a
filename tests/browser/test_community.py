"""The community side in the browser, on the demo: a resident reads Riverside's public page in
English and Spanish and answers the forum's before-survey in Spanish; a coordinator runs the
youth dialogue's page and prints the handout. axe at 1280 and 390 px on every page."""

import re

import pytest
from playwright.sync_api import expect

from community.models import CommunityEvent, CommunityResponse
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


def test_a_resident_reads_the_public_page_and_answers_the_forum_survey_in_spanish(new_page, review):
    page = new_page()
    page.goto("/agencies/riverside-pd/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside Police Department")
    expect(page.get_by_role("heading", level=2, name="Officer training")).to_be_visible()
    expect(page.locator("svg.chart--shift")).to_have_count(1)
    review(page, "community-agency-page")

    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=2, name="Capacitación de los agentes")).to_be_visible()
    review(page, "community-agency-page-es")

    page.get_by_role("link", name=re.compile("^Responder la encuesta")).click()
    expect(page.locator(".eyebrow")).to_contain_text("Antes del evento")
    review(page, "community-survey-es")
    statements = page.locator(".survey-item fieldset")
    for index in range(statements.count()):
        statements.nth(index).get_by_label("De acuerdo", exact=True).check()
    page.get_by_label("Participa como (opcional)").select_option(label="Residente")
    page.get_by_role("button", name="Enviar mis respuestas").click()
    expect(page.get_by_role("heading", level=1, name="Gracias")).to_be_visible()
    review(page, "community-survey-thanks-es")
    forum = CommunityEvent.objects.get(agency__slug="riverside-pd", kind="forum")
    assert CommunityResponse.objects.filter(event=forum, role="resident").count() == 1

    page.goto(f"/e/{forum.pk}/es/")
    expect(page.get_by_role("status")).to_contain_text("Ya se respondió esta encuesta")


def test_a_coordinator_runs_an_event_and_prints_the_handout(new_page, review):
    page = new_page()
    sign_in(page, "coordinator")
    page.goto("/oversight/")
    page.get_by_role("navigation", name="Oversight").get_by_role(
        "link", name="Community events"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Community events")).to_be_visible()
    review(page, "community-events")

    page.get_by_role("link", name="Youth and police dialogue").click()
    expect(page.get_by_role("heading", level=2, name="Results")).to_be_visible()
    expect(page.locator("svg.chart--shift")).to_have_count(1)
    review(page, "community-event")

    page.get_by_role("link", name="Handout (A4)").click()
    expect(page.locator("svg.qr")).to_be_visible()
    review(page, "community-handout")
