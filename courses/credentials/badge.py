"""The baked badge: an SVG image that carries the signed credential (OB 3.0, 5.3.2).

The compact JWS goes in the `verify` attribute of an <openbadges:credential> element right
after the <svg> tag; software that knows Open Badges extracts and verifies it, and anything
else just shows the picture.
"""

from xml.sax.saxutils import escape, quoteattr

from courses.models import Certificate

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"


def _lines(text: str, width: int = 22, most: int = 3) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1] + "…"]
    return lines


def baked_svg(certificate: Certificate, token: str) -> str:
    title_lines = _lines(certificate.curriculum_title)
    first_y = 250 - (len(title_lines) - 1) * 15
    title = "".join(
        f'<tspan x="256" y="{first_y + i * 30}">{escape(line)}</tspan>'
        for i, line in enumerate(title_lines)
    )
    hours = f"{certificate.credit_hours.normalize():f} credit hours"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB_NAMESPACE}" '
        'viewBox="0 0 512 512" width="512" height="512" role="img" '
        f"aria-label={quoteattr(f'{certificate.curriculum_title}: Certificate of Completion')}>"
        f"<openbadges:credential verify={quoteattr(token)}></openbadges:credential>"
        f"<title>{escape(certificate.curriculum_title)}: Certificate of Completion</title>"
        '<circle cx="256" cy="256" r="240" fill="#1f5f8b"/>'
        '<circle cx="256" cy="256" r="218" fill="#ffffff"/>'
        '<circle cx="256" cy="256" r="206" fill="none" stroke="#1f5f8b" stroke-width="3"/>'
        '<g font-family="Noto Sans, DejaVu Sans, sans-serif" text-anchor="middle" fill="#1b2a3a">'
        '<text x="256" y="140" font-size="22" letter-spacing="3" fill="#1f5f8b">'
        "COMMON GROUND</text>"
        '<text x="256" y="175" font-size="17" fill="#4a5866">Certificate of Completion</text>'
        f'<text font-size="26" font-weight="700">{title}</text>'
        f'<text x="256" y="350" font-size="18">{escape(hours)}</text>'
        f'<text x="256" y="385" font-size="15" fill="#4a5866">{escape(certificate.serial)}</text>'
        "</g></svg>\n"
    )
