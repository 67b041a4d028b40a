"""The learner's own transcript as a PDF (ReportLab platypus): modules, quiz attempts as the
review policy lets them see them (assessments.review, through `learner_transcript`),
certificates and their private reflections. Only ever drawn for the learner themselves."""

import html
import io

from django.utils import timezone
from django.utils.html import strip_tags
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from courses.progress.transcript import Transcript


def _text(value: str) -> str:
    """Author HTML or learner text as escaped plain text for a Paragraph."""
    return html.escape(html.unescape(strip_tags(value or "")).strip())


def _date(moment) -> str:
    return timezone.localtime(moment).strftime("%B %-d, %Y") if moment else ""


def render_transcript_pdf(transcript: Transcript) -> bytes:
    styles = getSampleStyleSheet()
    body, small, h1, h2, h3 = (
        styles["BodyText"],
        styles["Italic"],
        styles["Title"],
        styles["Heading2"],
        styles["Heading3"],
    )
    muted = small.clone("muted", textColor=colors.HexColor("#4a5866"))
    story = [
        Paragraph(f"Training transcript: {_text(transcript.person.display_name)}", h1),
        Paragraph(f"Printed {_date(transcript.generated_at)} for its holder only.", muted),
    ]
    for curriculum in transcript.curricula:
        story.append(Paragraph(_text(curriculum.progress.outline.page.title), h2))
        for module in curriculum.modules:
            done = f" — completed {_date(module.completed_at)}" if module.completed_at else ""
            story.append(
                Paragraph(f"Module {module.page.number}: {_text(module.page.title)}{done}", h3)
            )
            for attempt in module.attempts:
                outcome = "passed" if attempt.passed else "not passed"
                story.append(
                    Paragraph(
                        f"Attempt {attempt.number}, {_date(attempt.submitted_at)}: "
                        f"{attempt.score}% ({attempt.correct_count} of {attempt.total}), "
                        f"{outcome}.",
                        body,
                    )
                )
                story += _questions(attempt, body, muted)
    story.append(Paragraph("Certificates", h2))
    for certificate in transcript.certificates:
        story.append(
            Paragraph(
                f"{_text(certificate.curriculum_title)}: {certificate.serial}, issued "
                f"{_date(certificate.issued_at)}, {certificate.status.label.lower()}.",
                body,
            )
        )
    if not transcript.certificates:
        story.append(Paragraph("None yet.", muted))
    story.append(Paragraph("My reflections (private)", h2))
    for reflection in transcript.reflections:
        story.append(Paragraph(f"{_text(reflection.lesson.title)}: {_text(reflection.prompt)}", h3))
        for paragraph in reflection.text.split("\n\n"):
            story.append(Paragraph(_text(paragraph).replace("\n", "<br/>"), body))
    if not transcript.reflections:
        story.append(Paragraph("None written.", muted))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        title=f"Training transcript — {transcript.person.display_name}",
        author="Common Ground",
    )
    document.build(story)
    return buffer.getvalue()


def _questions(attempt, body, muted) -> list:
    """A limited review: the questions missed and the lesson teaching each. A full one: every
    question missed with the learner's answer, the correct one, the feedback and why."""
    flow = []
    for question in attempt.wrong:
        lesson = f" Review: {_text(question.lesson.title)}." if question.lesson else ""
        flow.append(Paragraph(f"Missed: {_text(question.prompt)}{lesson}", muted))
        if attempt.full:
            for choice in question.choices:
                marks = [
                    m
                    for m, on in (("your answer", choice.chosen), ("correct", choice.correct))
                    if on
                ]
                if marks:
                    feedback = f" — {_text(choice.feedback)}" if choice.feedback else ""
                    flow.append(
                        Paragraph(f"{_text(choice.text)} ({', '.join(marks)}){feedback}", muted)
                    )
            flow.append(Paragraph(f"Why: {_text(question.explanation)}", muted))
    flow.append(Spacer(1, 4))
    return flow
