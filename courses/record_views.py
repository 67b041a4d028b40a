"""A learner's own records: the reflection journal's form, their transcript print-out, its PDF
and their records download. Each shows quiz attempts only as the review policy allows
(assessments.review, through `courses.progress.transcript.learner_transcript`)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from courses.certificates.transcript_pdf import render_transcript_pdf
from courses.models import REFLECTION_MAX_LENGTH
from courses.progress.selectors import visible_lessons
from courses.progress.transcript import learner_transcript
from courses.reflections import reflection_prompts, reflection_save
from lms.errors import DomainError
from lms.scoping import require_person


@login_required
@require_POST
def reflection_submit(request, lesson_id: int):
    """Save the learner's answer to one reflection prompt (a plain form post, no script
    needed). Bad input answers 400 with the form again and writes nothing."""
    person = require_person(request.user)
    lesson = get_object_or_404(visible_lessons(request.user), pk=lesson_id)
    block_id, text = request.POST.get("block_id"), request.POST.get("text", "")
    try:
        saved = reflection_save(person=person, lesson=lesson, block_id=block_id, text=text)
    except DomainError as error:
        return render(
            request,
            "courses/reflection_error.html",
            {
                "lesson": lesson,
                "error": error,
                "block_id": block_id if block_id in reflection_prompts(lesson) else None,
                "prompt": reflection_prompts(lesson).get(block_id),
                "text": text[: REFLECTION_MAX_LENGTH * 2],
                "reflection_max_length": REFLECTION_MAX_LENGTH,
            },
            status=400,
        )
    messages.success(
        request, "Your reflection is saved." if saved else "Your reflection is removed."
    )
    return redirect(f"{lesson.url}#reflection-{block_id}")


@login_required
@require_GET
def my_transcript(request):
    transcript = learner_transcript(require_person(request.user))
    return render(
        request, "courses/my_transcript.html", {"transcript": transcript, "nav": "transcript"}
    )


@login_required
@require_GET
def my_transcript_pdf(request):
    transcript = learner_transcript(require_person(request.user))
    response = HttpResponse(render_transcript_pdf(transcript), content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="my-transcript.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def my_records(request):
    """The learner's records as JSON: progress, attempts as the review policy shows them,
    certificates and reflections."""
    transcript = learner_transcript(require_person(request.user))
    response = HttpResponse(
        json.dumps(records_document(transcript), ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="my-training-records.json"'
    response["Cache-Control"] = "private, no-store"
    return response


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _question(question, full: bool) -> dict:
    row = {"id": question.id, "correct": question.correct, "lesson_id": question.lesson_id}
    if not full:
        return row
    return {
        **row,
        "explanation": question.explanation,
        "correct_choice_ids": question.correct_choices,
        "chosen": question.chosen,
        "choices": [
            {"id": c.id, "text": c.text, "correct": c.correct, "feedback": c.feedback}
            for c in question.choices
        ],
    }


def records_document(transcript) -> dict:
    """The learner's download: the API's result shape for each attempt (`review` "full" or
    "limited" deciding the keys, as `GET /api/v1/attempts/{id}/`)."""
    person = transcript.person
    return {
        "format": "common-ground-my-records",
        "exported_at": _iso(timezone.now()),
        "person": {
            "name": person.display_name,
            "badge_number": person.badge_number,
            "agency": person.agency.name,
        },
        "curricula": [
            {
                "id": c.progress.outline.page.pk,
                "title": c.progress.outline.page.title,
                "completed_at": _iso(c.progress.completed_at),
                "modules": [
                    {
                        "id": m.page.pk,
                        "number": m.page.number,
                        "title": m.page.title,
                        "completed_at": _iso(m.completed_at),
                        "attempts": [
                            {
                                "id": a.id,
                                "number": a.number,
                                "submitted_at": _iso(a.submitted_at),
                                "score": a.score,
                                "passed": a.passed,
                                "correct_count": a.correct_count,
                                "total": a.total,
                                "review": a.review,
                                "questions": [_question(q, a.full) for q in a.questions],
                            }
                            for a in m.attempts
                        ],
                    }
                    for m in c.modules
                ],
            }
            for c in transcript.curricula
        ],
        "certificates": [
            {
                "code": cert.code,
                "serial": cert.serial,
                "curriculum": cert.curriculum_title,
                "issued_at": _iso(cert.issued_at),
                "expires_at": _iso(cert.expires_at),
                "status": cert.status.value,
            }
            for cert in transcript.certificates
        ],
        "reflections": [
            {
                "lesson_id": r.lesson_id,
                "lesson": r.lesson.title,
                "prompt": r.prompt,
                "text": r.text,
                "updated_at": _iso(r.updated_at),
            }
            for r in transcript.reflections
        ],
    }
