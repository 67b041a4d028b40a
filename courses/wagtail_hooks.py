"""Wagtail hooks of the learner's side: who may fetch a document, and from where."""

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from wagtail import hooks

from courses.permissions import user_can_view_document
from courses.quiz_lessons import question_lesson_problems
from lms.storage import signed_redirect


@hooks.register("before_serve_document")
def serve_documents_to_those_who_may_see_the_linking_page(document, request):
    """A document is served only to people who may see a page that links it
    (`user_can_view_document`): anonymous visitors are sent to sign in, anyone else not
    allowed gets the same 404 as for a document that does not exist."""
    if user_can_view_document(request.user, document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404("No such document.")


@hooks.register("before_serve_document", order=1000)
def serve_documents_from_the_bucket_by_signed_address(document, request):
    """Last, once every check has passed: a document in the bucket is a redirect to a signed,
    short-lived address (lms.storage); one on the local disk, Wagtail's view streams
    (WAGTAILDOCS_SERVE_METHOD = "serve_view")."""
    return signed_redirect(
        document.file,
        content_type=document.content_type,
        filename=document.filename,
        as_attachment=document.content_disposition != "inline",
    )


@hooks.register("assessments_question_lesson_problems")
def question_lessons_of_the_quiz_module(quiz, lessons):
    """The quiz editor's rule (assessments.forms.QuizForm): a question names a lesson of the
    quiz's module. A quiz no module uses yet keeps its questions' lessons in one module."""
    return question_lesson_problems(quiz, lessons)
