from django import template

from lms.audit import ACTION_LABELS

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """The readable name of an audit action ('lesson.completed' → 'Lesson completed')."""
    return ACTION_LABELS.get(action, action)
