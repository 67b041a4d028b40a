"""Command staff and coordinators in the browser: the dashboard and its filters, a transcript,
the CSV export, the audit trail, assignments, survey results and the roster import."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from courses.models import CurriculumPage
from lms import roles
from lms.models import Person
from tests.browser.steps import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def test_command_staff_filters_the_dashboard_opens_a_transcript_and_downloads_the_csv(
    new_page, review
):
    page = new_page()
    sign_in(page, "command")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Oversight").click()
    expect(page.get_by_role("heading", level=1, name="Training oversight")).to_be_visible()
    people = page.get_by_role("table").filter(has_text="Certificate")
    expect(people).to_contain_text("Luis Ortega")  # Investigations
    review(page, "oversight-dashboard")

    page.get_by_label("Unit", exact=True).select_option(label="Patrol North")
    page.get_by_label("Status", exact=True).select_option(label="Completed")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"unit=\d+.*status=completed"))
    expect(people.locator("tbody tr")).to_have_count(2)
    expect(people).to_contain_text("Alex Morales")
    expect(people).to_contain_text("Daniel Okoro")
    expect(people).not_to_contain_text("Luis Ortega")
    expect(people).not_to_contain_text("Dana Reyes")  # Patrol North, but not started

    # The CSV holds what the filters show.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8"))))
    assert sorted(row["name"] for row in rows) == ["Alex Morales", "Daniel Okoro"]
    for row in rows:
        assert row["status"] == "completed"
        assert row["unit"] == "Patrol North"
        assert row["modules_completed"] == row["modules_total"] == "7"
        assert row["certificate_code"]

    people.get_by_role("link", name="Alex Morales").click()
    expect(page.get_by_role("heading", level=1, name="Alex Morales")).to_be_visible()
    expect(page.locator(".facts").first).to_contain_text("R-1101")
    expect(page.get_by_role("button", name="Print transcript")).to_be_visible()
    review(page, "oversight-transcript")

    page.get_by_role("link", name="Training oversight").click()
    page.get_by_role("navigation", name="Oversight").get_by_role("link", name="Surveys").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Survey results")
    review(page, "oversight-surveys")

    page.get_by_role("navigation", name="Oversight").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1, name="Audit trail")).to_be_visible()
    page.get_by_label("Actor username contains").press_sequentially("command")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("main")).to_contain_text("Report exported")
    review(page, "oversight-audit")


def test_transcript_prints_without_the_page_chrome(new_page):
    """The print stylesheet hides navigation and buttons and keeps the transcript's tables."""
    page = new_page()
    sign_in(page, "command")
    person = Person.objects.get(user__username="luis.ortega")
    page.goto(f"/oversight/people/{person.pk}/")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print transcript")).to_be_hidden()
    expect(page.get_by_role("heading", level=1, name="Luis Ortega")).to_be_visible()
    expect(page.locator("table.data").first).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "oversight-transcript-print.png", full_page=True)


def test_coordinator_assigns_a_curriculum_to_a_person_and_removes_it(new_page, review):
    page = new_page()
    sign_in(page, "coordinator")
    page.goto("/oversight/")
    page.get_by_role("navigation", name="Oversight").get_by_role("link", name="Assignments").click()
    expect(page.get_by_role("heading", level=1, name="Assignments")).to_be_visible()
    review(page, "oversight-assignments")

    page.get_by_role("link", name="New assignment").click()
    expect(page.get_by_role("heading", level=1, name="New assignment")).to_be_visible()
    review(page, "oversight-assignment-form")
    # Submitting it empty lists the errors, each linked to its field.
    page.get_by_role("button", name="Assign curriculum").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was assigned")
    review(page, "oversight-assignment-form-errors")

    curriculum = CurriculumPage.objects.get()
    page.get_by_label("Curriculum").select_option(label=curriculum.title)
    page.get_by_label("One person").check()
    page.get_by_label("Person", exact=True).select_option(label="Luis Ortega (R-1301)")
    page.get_by_label("Due date").fill("2027-03-01")
    page.get_by_role("button", name="Assign curriculum").click()
    expect(page.get_by_role("status")).to_contain_text("Assigned")
    row = page.get_by_role("row").filter(has_text="Luis Ortega")
    expect(row).to_contain_text("Mar 1, 2027")

    row.get_by_role("link", name=re.compile("^Delete")).click()
    expect(page.get_by_role("heading", level=1, name="Delete this assignment?")).to_be_visible()
    review(page, "oversight-assignment-delete")
    page.get_by_role("button", name="Delete assignment").click()
    expect(page.get_by_role("status")).to_contain_text("Removed the assignment")
    expect(page.get_by_role("row").filter(has_text="Luis Ortega")).to_have_count(0)


def test_agency_admin_opens_the_roster_import(new_page, review):
    """The demo seeds no agency administrator: give the command account that role."""
    person = Person.objects.select_related("user").get(user__username="command")
    person.user.groups.add(Group.objects.get(name=roles.AGENCY_ADMIN))

    page = new_page()
    sign_in(page, "command")
    page.goto("/oversight/")
    page.get_by_role("navigation", name="Oversight").get_by_role(
        "link", name="Roster import"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Import roster")).to_be_visible()
    review(page, "oversight-roster")
    page.get_by_label(re.compile("CSV|file", re.I)).set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": b"badge_number\nX\n"}]
    )
    page.get_by_role("button", name=re.compile("Import|Upload")).click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was imported")
    review(page, "oversight-roster-errors")
