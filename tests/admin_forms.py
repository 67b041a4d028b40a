"""Driving the Wagtail admin in tests as a browser would: read an editor form, change, post.

`wagtail.test.utils.form_data.querydict_from_html` sends "" for a ticked checkbox without a
value (a browser sends "on", and Django reads "" as unticked) and keeps the leading newline
Django renders inside a textarea, so forms are read here instead.
"""

from bs4 import BeautifulSoup
from django.http import QueryDict
from django.urls import reverse
from wagtail.models import TaskState

from assessments.models import Quiz

SKIPPED_INPUT_TYPES = {"submit", "button", "file", "image", "reset"}


def editor_form_data(html: str, form_id: str) -> QueryDict:
    """The data the form `form_id` would post, without its submit buttons (choose the action
    with `action-<name>`) and without the blank-form templates of inline panels."""
    form = BeautifulSoup(html, "html.parser").find("form", id=form_id)
    if form is None:
        raise AssertionError(f"No form #{form_id} on the page.")
    data = QueryDict(mutable=True)
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name or name == "csrfmiddlewaretoken" or field.find_parent("template"):
            continue
        if field.name == "textarea":
            data.appendlist(name, field.get_text().removeprefix("\n"))
        elif field.name == "select":
            options = field.find_all("option", selected=True) or field.find_all("option")[:1]
            for option in options:
                data.appendlist(name, option.get("value", option.get_text()))
        elif field.get("type") in {"checkbox", "radio"}:
            if field.has_attr("checked"):
                data.appendlist(name, field.get("value", "on"))
        elif field.get("type") not in SKIPPED_INPUT_TYPES:
            data.appendlist(name, field.get("value", ""))
    return data


def get_form(client, url: str, form_id: str) -> QueryDict:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return editor_form_data(response.content.decode(), form_id)


def quiz_url(action: str, *args) -> str:
    return reverse(Quiz.snippet_viewset.get_url_name(action), args=args)


def quiz_form(client, quiz: Quiz) -> QueryDict:
    return get_form(client, quiz_url("edit", quiz.pk), "w-editor-form")


def page_form(client, page) -> QueryDict:
    return get_form(client, reverse("wagtailadmin_pages:edit", args=[page.pk]), "page-edit-form")


def current_task_state(obj) -> TaskState:
    state = obj.current_workflow_task_state
    assert state is not None, f"{obj} is not in a workflow"
    return state


def quiz_workflow_action_url(quiz: Quiz, action: str) -> str:
    return quiz_url("workflow_action", quiz.pk, action, current_task_state(quiz).pk)


def page_workflow_action_url(page, action: str) -> str:
    return reverse(
        "wagtailadmin_pages:workflow_action",
        args=[page.pk, action, current_task_state(page).pk],
    )


def form_errors(response) -> list[str]:
    """Every error message an editor page shows (field errors and form-level errors)."""
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    found = [el.get_text(" ", strip=True) for el in soup.select(".error-message")]
    found += [el.get_text(" ", strip=True) for el in soup.select(".help-critical, .errorlist li")]
    return found
