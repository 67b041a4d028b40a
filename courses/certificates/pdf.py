"""Certificate PDFs, drawn with ReportLab (pure Python, no system libraries, QR codes built in)."""

import hashlib
import io

from django.core.cache import caches
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

from courses.models import Certificate

INK = colors.HexColor("#1b2a3a")
ACCENT = colors.HexColor("#1f5f8b")
MUTED = colors.HexColor("#4a5866")


def _date(moment) -> str:
    return timezone.localtime(moment).strftime("%B %-d, %Y")


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def render_certificate_pdf(certificate: Certificate, *, verify_url: str) -> bytes:
    """One landscape page: holder, curriculum, credit hours, dates, serial, QR to verification."""
    buffer = io.BytesIO()
    width, height = landscape(letter)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"Certificate {certificate.serial} — {certificate.holder_name}")
    pdf.setAuthor("Common Ground")
    pdf.setSubject(certificate.curriculum_title)

    pdf.setStrokeColor(ACCENT)
    pdf.setLineWidth(3)
    pdf.rect(0.4 * inch, 0.4 * inch, width - 0.8 * inch, height - 0.8 * inch)
    pdf.setLineWidth(0.75)
    pdf.rect(0.5 * inch, 0.5 * inch, width - 1.0 * inch, height - 1.0 * inch)

    centre = width / 2
    pdf.setFillColor(ACCENT)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawCentredString(centre, height - 1.2 * inch, "COMMON GROUND · POLICE TRAINING")
    pdf.setFillColor(INK)
    pdf.setFont("Times-Bold", 36)
    pdf.drawCentredString(centre, height - 1.95 * inch, "Certificate of Completion")
    pdf.setFont("Helvetica", 13)
    pdf.setFillColor(MUTED)
    pdf.drawCentredString(centre, height - 2.55 * inch, "This certifies that")
    pdf.setFillColor(INK)
    pdf.setFont("Times-Bold", 30)
    pdf.drawCentredString(centre, height - 3.2 * inch, certificate.holder_name)
    pdf.setFont("Helvetica", 13)
    pdf.setFillColor(MUTED)
    pdf.drawCentredString(centre, height - 3.75 * inch, "has completed the curriculum")
    pdf.setFillColor(INK)
    pdf.setFont("Times-Bold", 20)
    pdf.drawCentredString(centre, height - 4.3 * inch, certificate.curriculum_title)
    pdf.setFont("Helvetica", 12)
    pdf.drawCentredString(
        centre, height - 4.75 * inch, f"{certificate.credit_hours.normalize():f} credit hours"
    )

    left = 1.0 * inch
    pdf.setFont("Helvetica", 11)
    lines = [
        f"Issued: {_date(certificate.issued_at)}",
        f"Expires: {_date(certificate.expires_at)}" if certificate.expires_at else "Expires: never",
        f"Serial: {certificate.serial}",
        f"Verification code: {certificate.code}",
    ]
    for i, line in enumerate(lines):
        pdf.drawString(left, 1.75 * inch - i * 0.22 * inch, line)
    pdf.setFillColor(MUTED)
    pdf.setFont("Helvetica", 9)
    pdf.drawString(left, 0.8 * inch, f"Verify at {verify_url}")

    qr_size = 1.45 * inch
    renderPDF.draw(_qr(verify_url, qr_size), pdf, width - 1.0 * inch - qr_size, 0.75 * inch)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


PDF_CACHE_SECONDS = 24 * 3600


def certificate_pdf_response(certificate: Certificate, request) -> FileResponse:
    """The PDF, drawn once and kept in the "default" cache (each worker's memory; Redis, shared,
    with REDIS_URL) under the very facts it prints (copies made at issue: drawing takes tens of
    milliseconds, the facts do not change)."""
    verify_url = request.build_absolute_uri(reverse("certificate-verify", args=[certificate.code]))
    printed = (
        certificate.pk,
        certificate.code,
        certificate.holder_name,
        certificate.curriculum_title,
        certificate.credit_hours,
        certificate.issued_at,
        certificate.expires_at,
        verify_url,
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
