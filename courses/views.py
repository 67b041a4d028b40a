"""Officer pages outside the Wagtail page tree: My training, quizzes, certificates, verification."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from assessments.form_answers import quiz_answers_from_form
from assessments.models import Attempt
from courses.certificates.pdf import certificate_pdf_response
from courses.credentials.openbadges import credential_jwt
from courses.credentials.status import check_credential
from courses.models import Certificate, ModulePage, normalise_code
from courses.permissions import request_can_download_certificate, user_can_view_training_page
from courses.progress import services
from courses.progress.selectors import (
    certificates_of,
    learner_progress,
    module_attempt_review,
    module_attempts_left,
    search_hits,
    search_training,
    visible_curricula,
    visible_lessons,
    visible_module_for_quiz,
    with_survey_offers,
)
from lms import mfa
from lms.errors import DomainError
from lms.page_cache import MAX_SECONDS, cache_for_anonymous, cache_for_user
from lms.routing import attach_site
from lms.scoping import require_person, viewer_person
from lms.throttles import throttle_page

CODE_LENGTH = 19  # XXXX-XXXX-XXXX-XXXX
SEARCH_PAGE_SIZE = 20
SEARCH_QUERY_MAX = 200


@login_required
@require_GET
def my_training(request):
    person = viewer_person(request.user)
    progress = (
        learner_progress(person=person, curricula=visible_curricula(request.user)) if person else []
    )
    with_survey_offers(progress)
    attach_site(request)
    response = render(
        request,
        "courses/my_training.html",
        {"progress": progress, "person": person, "nav": "training"},
    )
    return cache_for_user(response)  # until this user's progress or the content changes


@login_required
@require_GET
def search(request):
    """Search the live lessons and modules of the learner's own curricula."""
    query = request.GET.get("q", "").strip()[:SEARCH_QUERY_MAX]
    results = hits = None
    if query:
        paginator = Paginator(search_training(request.user, query), SEARCH_PAGE_SIZE)
        results = paginator.get_page(request.GET.get("page"))
        hits = search_hits(results.object_list)
    return render(
        request,
        "courses/search.html",
        {"search_query": query, "results": results, "hits": hits, "nav": "search"},
    )


@login_required
@require_POST
def lesson_complete(request, lesson_id: int):
    person = require_person(request.user)
    lesson = get_object_or_404(visible_lessons(request.user), pk=lesson_id)
    _, created = services.lesson_complete(person=person, lesson=lesson)
    if created:
        messages.success(request, f"“{lesson.title}” marked complete.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = lesson.url
    return redirect(next_url)


@login_required
@require_POST
def quiz_start(request, quiz_id: int):
    person = require_person(request.user)
    module = visible_module_for_quiz(request.user, quiz_id)
    if module is None:
        raise Http404("No such quiz.")
    try:
        attempt, _ = services.module_quiz_start(person=person, module=module)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(module.url)
    return redirect("attempt-take", attempt_id=attempt.pk)


def _own_attempt(request, attempt_id: int):
    attempt = get_object_or_404(Attempt, pk=attempt_id, user=request.user)
    module = visible_module_for_quiz(request.user, attempt.quiz_id)
    if module is None:
        raise Http404("No such attempt.")
    return attempt, module


@login_required
@require_GET
def attempt_take(request, attempt_id: int):
    attempt, module = _own_attempt(request, attempt_id)
    if attempt.is_submitted:
        return redirect("attempt-result", attempt_id=attempt.pk)
    questions = [
        {**q, "choices": [{"id": c["id"], "text": c["text"]} for c in q["choices"]]}
        for q in attempt.questions
    ]
    # Which of this cycle's attempts it is: the open attempt is counted among those used.
    left = module_attempts_left(person=require_person(request.user), module=module)
    return render(
        request,
        "courses/attempt_take.html",
        {
            "attempt": attempt,
            "module": module,
            "questions": questions,
            "number_in_cycle": module.quiz.max_attempts - left,
        },
    )


@login_required
@require_POST
def attempt_submit(request, attempt_id: int):
    attempt, module = _own_attempt(request, attempt_id)
    person = require_person(request.user)
    try:
        attempt = services.module_quiz_submit(
            person=person,
            module=module,
            attempt=attempt,
            answers=quiz_answers_from_form(request.POST, questions=attempt.questions),
        )
    except DomainError as error:
        messages.error(request, error.message)
        attempt.refresh_from_db()
        target = "attempt-result" if attempt.is_submitted else "attempt-take"
        return redirect(target, attempt_id=attempt.pk)
    return redirect("attempt-result", attempt_id=attempt.pk)


@login_required
@require_GET
def attempt_result(request, attempt_id: int):
    attempt, module = _own_attempt(request, attempt_id)
    if not attempt.is_submitted:
        return redirect("attempt-take", attempt_id=attempt.pk)
    review = module_attempt_review(
        person=require_person(request.user), module=module, attempt=attempt
    )
    lessons = {
        lesson.pk: lesson
        for lesson in visible_lessons(request.user).filter(
            pk__in={q.lesson_id for q in review.questions if q.lesson_id}
        )
    }
    for question in review.questions:
        question.lesson = lessons.get(question.lesson_id)
    return render(
        request,
        "courses/attempt_result.html",
        {"attempt": attempt, "module": module, "review": review},
    )


@login_required
@require_GET
def module_job_aid(request, module_id: int):
    """The module's job aid on one printable page, for whoever may see the module."""
    module = ModulePage.objects.live().filter(pk=module_id).first()
    if (
        module is None
        or not module.has_job_aid
        or not user_can_view_training_page(request.user, module)
    ):
        raise Http404("No such job aid.")
    response = render(request, "courses/job_aid.html", {"module": module})
    return cache_for_user(response)  # until the content changes


@login_required
@require_GET
def my_certificates(request):
    person = viewer_person(request.user)
    certificates = certificates_of(person) if person else []
    return render(
        request,
        "courses/my_certificates.html",
        {"certificates": certificates, "nav": "certificates"},
    )


@login_required
@require_GET
def certificate_pdf(request, code: str):
    certificate = get_object_or_404(Certificate.objects.select_related("person__agency"), code=code)
    try:
        allowed = request_can_download_certificate(request, certificate)
    except mfa.CodeNeeded:
        return redirect_to_login(request.get_full_path(), reverse("mfa-verify"))
    if not allowed:
        raise Http404("No such certificate.")
    return certificate_pdf_response(certificate, request)


@require_GET
@throttle_page("certificate_verify")
def certificate_lookup(request):
    code = request.GET.get("code", "")
    if not code:
        return render(request, "courses/certificate_lookup.html")
    normalised = normalise_code(code)
    if len(normalised) != CODE_LENGTH:
        return render(
            request,
            "courses/certificate_lookup.html",
            {"lookup_code": code, "lookup_error": "A code has 16 letters and digits."},
            status=400,
        )
    return redirect("certificate-verify", code=normalised)


@require_GET
@throttle_page("certificate_verify")
def certificate_verify(request, code: str):
    certificate = (
        Certificate.objects.select_related("person__agency")
        .filter(code=normalise_code(code))
        .first()
    )
    # The certificate's Open Badges credential, signed and checked as a verifier would.
    check = check_credential(credential_jwt(certificate)) if certificate else None
    response = render(
        request,
        "courses/certificate_verify.html",
        {"certificate": certificate, "code": code, "credential_check": check},
        status=200 if certificate else 404,
    )
    if certificate:  # kept until a revocation (lms.page_cache) or until it expires
        until_expiry = (
            (certificate.expires_at - timezone.now()).total_seconds()
            if certificate.expires_at
            else MAX_SECONDS
        )
        cache_for_anonymous(response, until_expiry if until_expiry > 0 else MAX_SECONDS)
    return response
