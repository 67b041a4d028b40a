"""`{% progress_bar percent "label" … %}`: a labelled progress bar. A tag rather than an included
template, as My training draws one per module and an include costs more than its markup."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def progress_bar(percent: int, *label: str) -> str:
    """The bar for `percent` (0-100), named for screen readers by the label's words joined."""
    return format_html(
        '<div class="progress{}">\n'
        '  <progress max="100" value="{}" aria-label="{}">{}%</progress>\n'
        '  <span class="progress__label" aria-hidden="true">{}%</span>\n'
        "</div>",
        " progress--done" if percent == 100 else "",
        percent,
        " ".join(str(part) for part in label),
        percent,
        percent,
    )
