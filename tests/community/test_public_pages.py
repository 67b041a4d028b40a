"""The public pages: an agency's page (cached like the home page, gone the moment it is switched
off), and the survey answered in a browser, in English or Spanish."""

import pytest
from django.test import Client

from community import services
from community.models import CommunityResponse
from tests.community.conftest import respond

pytestmark = pytest.mark.django_db


def test_the_agency_page_shows_training_events_and_shifts_in_english_and_spanish(
    client, event, statement_ids, learner, settings
):
    settings.SURVEY_MIN_GROUP_SIZE = 5
    respond(event, "pre", 5, statement_ids, (2, 3, 4))
    respond(event, "post", 5, statement_ids, (4, 3, 2))
    event.date = event.date.replace(year=2025)  # held
    event.save()
    english = client.get(f"/agencies/{event.agency.slug}/")
    assert english.status_code == 200
    page = english.content.decode()
    assert '<html lang="en">' in page
    assert "officers assigned" in page and "Neighborhood forum" in page
    assert 'aria-labelledby="shift-0-title shift-0-desc"' in page  # the chart
    assert "+2.00" in page
    assert 'href="/agencies/agency-a/es/"' in page and "Dana" not in page

    spanish = client.get(f"/agencies/{event.agency.slug}/es/").content.decode()
    assert '<html lang="es">' in spanish
    assert "Capacitación de los agentes" in spanish and "agentes asignados" in spanish
    assert "Confío en la policía." in spanish
    assert "Antes del evento" in spanish  # the chart's legend
    assert "Iniciar sesión" in spanish  # the site's own header


def test_a_small_group_shows_no_figures_on_the_agency_page(client, event, statement_ids):
    respond(event, "pre", 2, statement_ids)
    respond(event, "post", 2, statement_ids)
    event.date = event.date.replace(year=2025)
    event.save()
    page = client.get(f"/agencies/{event.agency.slug}/").content.decode()
    assert "Survey results are not shown" in page
    assert '<svg class="chart' not in page


def test_the_agency_page_is_cached_and_gone_when_switched_off(
    page_cache_on, event, command_a, django_assert_num_queries, django_capture_on_commit_callbacks
):
    anonymous = Client()
    url = f"/agencies/{event.agency.slug}/"
    assert anonymous.get(url).status_code == 200
    with django_assert_num_queries(0):
        assert anonymous.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.public_page_switch(actor=command_a.user, agency=event.agency, enabled=False)
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(f"/api/v1/public/agencies/{event.agency.slug}/").status_code == 404


def test_the_agency_page_is_a_fixed_number_of_queries(
    client, make_event, page_on, statement_ids, learner, django_assert_max_num_queries
):
    for _ in range(5):
        event = make_event(status="open", pre_open=True, post_open=True)
        respond(event, "pre", 6, statement_ids)
        respond(event, "post", 6, statement_ids)
    with django_assert_max_num_queries(16):
        assert client.get("/agencies/agency-a/").status_code == 200


def test_a_resident_answers_in_spanish_and_the_browser_is_remembered(client, event, statement_ids):
    form = client.get(f"/e/{event.pk}/es/")
    assert form.status_code == 200
    page = form.content.decode()
    assert '<html lang="es">' in page
    assert "Totalmente de acuerdo" in page and "Confío en la policía." in page
    data = {f"item-{pk}": "4" for pk in statement_ids} | {"role": "resident"}
    done = client.post(f"/e/{event.pk}/es/", data)
    assert done.status_code == 302 and done["Location"] == f"/e/{event.pk}/es/thanks/"
    assert CommunityResponse.objects.get().role == "resident"
    assert "Gracias" in client.get(done["Location"]).content.decode()
    again = client.get(f"/e/{event.pk}/")
    assert "already answered" in again.content.decode()
    client.post(f"/e/{event.pk}/", data)
    assert CommunityResponse.objects.count() == 1


def test_a_refused_answer_on_the_page_says_why_and_stores_nothing(client, event, statement_ids):
    data = {f"item-{pk}": "4" for pk in statement_ids[:2]}
    response = client.post(f"/e/{event.pk}/", data)
    assert response.status_code == 400
    assert "Statement 3 needs an answer" in response.content.decode()
    assert 'value="4" id="item-' in response.content.decode()  # kept
    assert not CommunityResponse.objects.exists()


def test_a_closed_survey_says_so(client, event):
    event.pre_open = False
    event.save()
    page = client.get(f"/e/{event.pk}/").content.decode()
    assert "This survey is not open right now" in page


def test_an_event_of_an_agency_whose_page_is_off_is_not_found(client, make_event, agency_b):
    event = make_event(agency=agency_b, pre_open=True, status="open")
    assert client.get(f"/e/{event.pk}/").status_code == 404
    assert client.get(f"/agencies/{agency_b.slug}/").status_code == 404
