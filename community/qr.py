"""QR codes for the room: segno (pure Python) draws them as inline SVG, no script or style."""

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def qr_svg(data: str, *, label: str, css_class: str = "qr") -> SafeString:
    """The QR code of `data` as an inline SVG that scales to its box (a viewBox, no fixed
    size), dark on white, named `label` for screen readers. Error correction M: a printed
    handout still scans when a little of it is creased or covered."""
    svg = segno.make(data, error="m", micro=False).svg_inline(
        dark="#000", light="#fff", omitsize=True, svgclass=css_class, lineclass=None
    )
    named = f'<svg role="img" aria-label="{escape(label)}" '
    return mark_safe(named + svg.removeprefix("<svg "))  # noqa: S308 (segno's own markup)
