"""Quizzes and surveys in the Wagtail admin, editable by trainers: question pools with inline
choices, survey statements inline."""

from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from assessments.forms import QuizForm, SurveyForm
from assessments.models import Quiz, Survey


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


class SurveyViewSet(SnippetViewSet):
    model = Survey
    icon = "list-ul"
    menu_label = "Surveys"
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["title"]
    search_fields = ["title"]
    edit_handler = ObjectList(Survey.panels, base_form_class=SurveyForm)


register_snippet(SurveyViewSet)
