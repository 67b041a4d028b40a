"""The reflection journal in templates: a learner's answer to one prompt."""

from django import template

register = template.Library()


@register.filter
def answer_for(reflections, block_id) -> str:
    """`{{ reflections|answer_for:block_id }}`: the saved answer, or ""."""
    return (reflections or {}).get(block_id, "")
