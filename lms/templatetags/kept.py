"""`{% kept %}`: a fragment that is the same for every learner, rendered once per content
version and kept in the worker.

    {% load kept %}
    {% kept "site-header" nav can_oversee %}…{% endkept %}

The enclosed template is rendered the first time it is met for the active language and the
values of the listed variables (a set of completed lessons is a value too: what varies by a
learner's progress is kept once per state the learners are in), then served as it was until
the content version is renewed (lms.page_cache: a page published, moved or deleted, an
assignment, a group…). List every variable the fragment shows that is not content: what a
fragment prints of the learner or of the request (their name, a CSRF token, their progress)
belongs outside it.

A preview (Wagtail's `request.is_preview`: a draft's title may differ from the live one's) is
rendered and never kept.
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from lms.page_cache import kept_in

register = template.Library()


class KeptNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on
        self.fragments: dict = {}  # dies with the compiled template (reloaded in development)

    def render(self, context):
        def render_fragment():
            return mark_safe(self.nodelist.render(context))  # noqa: S308 (a rendered template)

        request = context.get("request")
        if getattr(request, "is_preview", False):
            return render_fragment()
        key = (
            self.name.resolve(context),
            get_language(),
            *(_hashable(variable.resolve(context)) for variable in self.vary_on),
        )
        return kept_in(self.fragments, key, render_fragment)


def _hashable(value):
    """A set or list (a learner's completed lessons) as a key."""
    if isinstance(value, set | frozenset):
        return frozenset(value)
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


@register.tag
def kept(parser, token):
    """{% kept "name" [variable …] %}…{% endkept %}"""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'kept' needs a fragment name.")
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(b) for b in bits[2:]]
    )
