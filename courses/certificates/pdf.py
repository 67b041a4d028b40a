"""Certificate PDFs, drawn with ReportLab (pure Python, no system libraries, QR codes built in).

Every letter is drawn in an embedded TrueType face (courses.certificates.fonts), so a name in
Polish, Vietnamese, Cyrillic, Greek or Chinese prints as written, and its text extracts as
written. Long names and titles shrink to fit the page, then wrap. Why ReportLab and not a
library that writes tagged, archival PDF (PDF/UA, PDF/A): docs/credentials.md.
"""

import hashlib
import io
import itertools
from decimal import Decimal

import segno
from django.core.cache import caches
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from courses.certificates import fonts
from courses.certificates.fonts import SANS, SERIF
from courses.models import Certificate

INK = colors.HexColor("#1b2a3a")
ACCENT = colors.HexColor("#1f5f8b")
MUTED = colors.HexColor("#4a5866")
SITE_NAME = "Common Ground"
LANGUAGE = "en-US"
PAGE = landscape(letter)
TEXT_WIDTH = PAGE[0] - 2.2 * inch  # inside the borders, with a margin


def _date(moment) -> str:
    return timezone.localtime(moment).strftime("%B %-d, %Y")


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _draw_qr(pdf: canvas.Canvas, url: str, *, x: float, y: float, size: float) -> None:
    """The QR code to `url` (error correction M), drawn as one path of dark runs. Encoded with
    segno: a third of the time of ReportLab's own encoder, which was most of the page's time."""
    matrix = segno.make_qr(url, error="m", boost_error=False).matrix
    border = 4
    box = size / (len(matrix) + 2 * border)
    path = pdf.beginPath()
    for r, row in enumerate(matrix):
        c = 0
        for dark, run in itertools.groupby(row):
            count = len(list(run))
            if dark:
                top = y + size - (r + border + 1) * box
                path.rect(x + (c + border) * box, top, count * box, box)
            c += count
    pdf.setFillColor(colors.black)
    pdf.drawPath(path, stroke=0, fill=1)


def fit_lines(
    text: str, *, font: str, size: float, min_size: float, max_width: float, max_lines: int = 2
) -> tuple[list[list[fonts.Run]], float, list[float]]:
    """The lines to draw `text` in, their size and each line's horizontal scale (1 = none).

    The largest size from `size` down to `min_size` at which the text fits on one line; below
    that, `min_size` over up to `max_lines` lines broken at spaces, each line squeezed
    horizontally if it is still too wide (a name is never cut)."""
    whole = fonts.runs(text, font)
    step = size
    while step >= min_size:
        if fonts.width(whole, step) <= max_width:
            return [whole], step, [1.0]
        step -= 0.5
    lines = _break(text, font=font, size=min_size, max_width=max_width, max_lines=max_lines)
    parts = [fonts.runs(line, font) for line in lines]
    scales = [min(1.0, max_width / fonts.width(line, min_size)) for line in parts]
    return parts, min_size, scales


def _break(text: str, *, font: str, size: float, max_width: float, max_lines: int) -> list[str]:
    words = text.split()
    lines: list[str] = []
    for word in words:
        candidate = f"{lines[-1]} {word}" if lines else word
        fits = fonts.width(fonts.runs(candidate, font), size) <= max_width
        if lines and (fits or len(lines) == max_lines):
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [text]


def _draw_centred(
    pdf: canvas.Canvas,
    text: str,
    *,
    y: float,
    font: str,
    size: float,
    min_size: float | None = None,
    bold: bool = False,
    colour=INK,
    max_lines: int = 1,
) -> None:
    """Draw `text` centred at height `y`, shrunk (and wrapped) to fit; `bold` thickens the
    strokes (the embedded faces are the regular weight of a variable font)."""
    lines, size, scales = fit_lines(
        text,
        font=font,
        size=size,
        min_size=min_size or size,
        max_width=TEXT_WIDTH,
        max_lines=max_lines,
    )
    leading = size * 1.15
    top = y + (len(lines) - 1) * leading / 2
    for i, (parts, scale) in enumerate(zip(lines, scales, strict=True)):
        text_object = pdf.beginText()
        text_object.setFillColor(colour)
        if bold:
            text_object.setTextRenderMode(2)  # fill, then stroke the outline
            pdf.setStrokeColor(colour)
            pdf.setLineWidth(size * 0.025)
        text_object.setHorizScale(scale * 100)
        line_width = fonts.width(parts, size) * scale
        text_object.setTextOrigin(PAGE[0] / 2 - line_width / 2, top - i * leading)
        for part in parts:
            text_object.setFont(part.font, size)
            text_object.textOut(part.text)
        pdf.drawText(text_object)


def _draw_left(pdf: canvas.Canvas, text: str, *, x: float, y: float, font: str, size: float):
    text_object = pdf.beginText(x, y)
    for part in fonts.runs(text, font):
        text_object.setFont(part.font, size)
        text_object.textOut(part.text)
    pdf.drawText(text_object)


def render_certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """One landscape page: agency, holder, curriculum, credit hours, signature line, dates,
    serial, the verification address (a link) and a QR code to it; title, author, subject,
    keywords and language in the document's metadata; every font embedded."""
    fonts.register_fonts()
    agency = certificate.person.agency
    buffer = io.BytesIO()
    width, height = PAGE
    pdf = canvas.Canvas(
        buffer, pagesize=PAGE, pageCompression=1, lang=LANGUAGE, initialFontName=SANS
    )
    pdf.setTitle(
        f"Certificate of Completion: {certificate.curriculum_title} — {certificate.holder_name}"
    )
    pdf.setAuthor(agency.name)
    pdf.setSubject(
        f"{certificate.holder_name} completed {certificate.curriculum_title} "
        f"({_hours(certificate.credit_hours)} credit hours), certificate {certificate.serial}; "
        f"verify at {verify_url}"
    )
    pdf.setKeywords(["certificate", "training", certificate.serial, certificate.code])
    pdf.setCreator(SITE_NAME)
    pdf.setViewerPreference("DisplayDocTitle", "true")

    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(0.4 * inch, 0.4 * inch, width - 0.8 * inch, height - 0.8 * inch)
    pdf.setLineWidth(0.75)
    pdf.rect(0.5 * inch, 0.5 * inch, width - 1.0 * inch, height - 1.0 * inch)

    _draw_centred(
        pdf,
        agency.name.upper(),
        y=height - 1.1 * inch,
        font=SANS,
        size=14,
        min_size=9,
        colour=ACCENT,
    )
    _draw_centred(
        pdf,
        f"{SITE_NAME} police training",
        y=height - 1.38 * inch,
        font=SANS,
        size=10,
        colour=MUTED,
    )
    _draw_centred(
        pdf, "Certificate of Completion", y=height - 2.0 * inch, font=SERIF, size=36, bold=True
    )
    _draw_centred(
        pdf, "This certifies that", y=height - 2.55 * inch, font=SANS, size=13, colour=MUTED
    )
    _draw_centred(
        pdf,
        certificate.holder_name,
        y=height - 3.15 * inch,
        font=SERIF,
        size=30,
        min_size=15,
        bold=True,
        max_lines=2,
    )
    _draw_centred(
        pdf,
        "has completed the curriculum",
        y=height - 3.75 * inch,
        font=SANS,
        size=13,
        colour=MUTED,
    )
    _draw_centred(
        pdf,
        certificate.curriculum_title,
        y=height - 4.3 * inch,
        font=SERIF,
        size=20,
        min_size=11,
        bold=True,
    )
    _draw_centred(
        pdf,
        f"{_hours(certificate.credit_hours)} credit hours",
        y=height - 4.72 * inch,
        font=SANS,
        size=12,
    )

    # The signature line: the agency's signatory (lms.models.Agency), else the agency itself.
    pdf.setStrokeColor(INK)
    pdf.setLineWidth(0.75)
    pdf.line(width / 2 - 1.6 * inch, 2.42 * inch, width / 2 + 1.6 * inch, 2.42 * inch)
    signatory = agency.certificate_signatory_name or agency.name
    _draw_centred(pdf, signatory, y=2.24 * inch, font=SANS, size=11, min_size=8)
    if agency.certificate_signatory_title:
        _draw_centred(
            pdf,
            agency.certificate_signatory_title,
            y=2.06 * inch,
            font=SANS,
            size=9.5,
            min_size=7,
            colour=MUTED,
        )

    left = 1.0 * inch
    pdf.setFillColor(INK)
    lines = [
        f"Issued: {_date(certificate.issued_at)}",
        f"Expires: {_date(certificate.expires_at)}" if certificate.expires_at else "Expires: never",
        f"Serial: {certificate.serial}",
        f"Verification code: {certificate.code}",
    ]
    for i, line in enumerate(lines):
        _draw_left(pdf, line, x=left, y=1.75 * inch - i * 0.22 * inch, font=SANS, size=10.5)

    prefix = "Verify at "
    pdf.setFillColor(MUTED)
    _draw_left(pdf, prefix, x=left, y=0.8 * inch, font=SANS, size=9)
    url_x = left + fonts.width(fonts.runs(prefix, SANS), 9)
    pdf.setFillColor(ACCENT)
    _draw_left(pdf, verify_url, x=url_x, y=0.8 * inch, font=SANS, size=9)
    url_width = fonts.width(fonts.runs(verify_url, SANS), 9)
    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(0.4)
    pdf.line(url_x, 0.8 * inch - 1.5, url_x + url_width, 0.8 * inch - 1.5)
    pdf.linkURL(verify_url, (url_x, 0.8 * inch - 3, url_x + url_width, 0.8 * inch + 9))

    qr_size = 1.45 * inch
    qr_x, qr_y = width - 1.0 * inch - qr_size, 0.75 * inch
    _draw_qr(pdf, verify_url, x=qr_x, y=qr_y, size=qr_size)
    pdf.linkURL(verify_url, (qr_x, qr_y, qr_x + qr_size, qr_y + qr_size))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


PDF_CACHE_SECONDS = 24 * 3600


def certificate_pdf_response(certificate: Certificate, request) -> FileResponse:
    """The PDF, drawn once and kept in the "default" cache (each worker's memory; Redis, shared,
    with REDIS_URL) under the very facts it prints (copies made at issue, and the agency's name
    and signatory: drawing takes tens of milliseconds, the facts seldom change)."""
    verify_url = request.build_absolute_uri(reverse("certificate-verify", args=[certificate.code]))
    agency = certificate.person.agency
    printed = (
        certificate.pk,
        certificate.code,
        certificate.holder_name,
        certificate.curriculum_title,
        certificate.credit_hours,
        certificate.issued_at,
        certificate.expires_at,
        verify_url,
        agency.name,
        agency.certificate_signatory_name,
        agency.certificate_signatory_title,
        2,  # the layout's version: renew when the drawing changes
    )
    key = "certificate-pdf:" + hashlib.sha256(repr(printed).encode()).hexdigest()
    data = caches["default"].get(key)
    if data is None:
        data = render_certificate_pdf(certificate, verify_url=verify_url)
        caches["default"].set(key, data, PDF_CACHE_SECONDS)
    return FileResponse(
        io.BytesIO(data),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"certificate-{certificate.serial}.pdf",
    )
