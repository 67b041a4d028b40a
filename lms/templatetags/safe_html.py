from django import template
from django.utils.safestring import mark_safe

from lms.sanitize import clean_html

register = template.Library()


@register.filter(name="clean_html")
def clean_html_filter(value) -> str:
    """Render author HTML (a string or Wagtail RichText) through the one allow-list."""
    return mark_safe(clean_html(str(value) if value is not None else ""))  # noqa: S308
