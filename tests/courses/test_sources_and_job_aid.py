"""A module's sources (listed at the end of its page) and its one-page job aid."""

import re

import pytest
from django.urls import reverse
from wagtail.blocks.struct_block import StructBlockValidationError

from courses.blocks import SourceBlock
from courses.models import ModulePage

SOURCES = [
    {
        "citation": "President's Task Force on 21st Century Policing. Final Report. 2015.",
        "url": "https://cops.usdoj.gov/pdf/taskforce/taskforce_finalreport.pdf",
        "cited_as": "President's Task Force, 2015",
    },
    {"citation": "Goldstein, Herman. Problem-Oriented Policing. New York: McGraw-Hill, 1990."},
]
JOB_AID = [
    {"heading": "Before you arrive", "items": ["Ask dispatch about weapons.", "Plan cover."]},
    {"heading": "On scene", "items": ["Slow down.", "Offer choices."]},
]


@pytest.fixture
def module(curriculum):
    page = curriculum.modules[0].page
    page.sources = [{"type": "source", "value": s} for s in SOURCES]
    page.job_aid_title = "Crisis-call checklist"
    page.job_aid_intro = "Use it on any call where someone may be in crisis."
    page.job_aid_sections = [{"type": "section", "value": s} for s in JOB_AID]
    page.save()
    return ModulePage.objects.get(pk=page.pk)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def job_aid_url(module) -> str:
    return reverse("module-job-aid", args=[module.pk])


def test_the_module_page_ends_with_its_sources_linked_where_an_address_exists(signed_in, module):
    html = text(signed_in.get(module.url))
    assert '<h2 id="sources-heading">Sources and further reading</h2>' in html
    assert (
        '<li><a href="https://cops.usdoj.gov/pdf/taskforce/taskforce_finalreport.pdf">'
        "President&#x27;s Task Force on 21st Century Policing. Final Report. 2015.</a></li>"
    ) in html
    assert (
        "<li>Goldstein, Herman. Problem-Oriented Policing. New York: McGraw-Hill, 1990.</li>"
        in html
    )
    assert html.index("Sources and further reading") > html.index("Module quiz")


def test_a_module_without_sources_or_job_aid_shows_neither(signed_in, curriculum):
    html = text(signed_in.get(curriculum.modules[1].page.url))
    assert "Sources and further reading" not in html
    assert "Job aid" not in html


def test_the_module_and_its_lessons_link_the_job_aid(signed_in, module, curriculum):
    link = f'<a href="{job_aid_url(module)}">Job aid: Crisis-call checklist</a>'
    assert link in text(signed_in.get(module.url))
    assert link in text(signed_in.get(curriculum.modules[0].lessons[0].url))


def test_the_job_aid_is_one_printable_page(signed_in, module):
    response = signed_in.get(job_aid_url(module))
    assert response.status_code == 200
    html = text(response)
    assert "<h1>Crisis-call checklist</h1>" in html
    assert '<p class="lead">Use it on any call where someone may be in crisis.</p>' in html
    assert '<h2 id="job-aid-1">Before you arrive</h2>' in html
    assert "<li>Ask dispatch about weapons.</li><li>Plan cover.</li>" in html
    assert '<h2 id="job-aid-2">On scene</h2>' in html
    assert '<button type="button" class="button" data-print>Print this job aid</button>' in html


def test_who_may_open_the_job_aid(client, module, learner_b, curriculum):
    url = job_aid_url(module)
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(learner_b.user)  # agency B: the curriculum is not assigned
    assert client.get(url).status_code == 404
    assert client.get(job_aid_url(curriculum.modules[1].page)).status_code == 404  # none
    assert client.get(reverse("module-job-aid", args=[999999])).status_code == 404


def test_an_author_opens_the_job_aid(admin_client, module):
    assert admin_client.get(job_aid_url(module)).status_code == 200


def test_the_module_editor_carries_sources_and_the_job_aid(admin_client, module):
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[module.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sources and further reading" in html
    assert "Job aid (one printable page)" in html
    assert "Crisis-call checklist" in html


@pytest.mark.parametrize("url", ["ftp://example.org/x", "javascript:alert(1)"])
def test_a_source_address_must_be_a_web_address(url):
    block = SourceBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(
            block.to_python(
                {"citation": "Tyler, Tom R. Why People Obey the Law. 1990.", "url": url}
            )
        )
    assert block.clean(block.to_python({"citation": "Tyler, 1990.", "url": "", "cited_as": ""}))
