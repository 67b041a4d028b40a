"""Quizzes in the Wagtail admin: the question pool with inline choices, editable by trainers."""

from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from assessments.forms import QuizForm
from assessments.models import Quiz


class QuizViewSet(SnippetViewSet):
    model = Quiz
    icon = "tasks"
    menu_label = "Quizzes"
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["title", "pass_mark", "max_attempts", "questions_per_attempt"]
    search_fields = ["title"]
    edit_handler = ObjectList(Quiz.panels, base_form_class=QuizForm)


register_snippet(QuizViewSet)
