"""The one allow-list for author-entered HTML. Everything an author types passes through here."""

from functools import lru_cache, wraps

import bleach

ALLOWED_TAGS = frozenset(
    {"p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "ul", "ol", "li", "blockquote", "a"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})


MEMO_MAX_LENGTH = 10_000  # longer texts are cleaned every time (memo stays under ~10 MB)


def _remembering(clean):
    """`clean` (pure) remembering its results for inputs up to MEMO_MAX_LENGTH: the same
    explanations, choices and blocks are cleaned again on every render and every quiz start,
    and bleach builds a new parser for each call."""
    remembered = lru_cache(maxsize=1024)(clean)

    @wraps(clean)
    def run(value: str | None) -> str:
        value = str(value or "")
        return remembered(value) if len(value) <= MEMO_MAX_LENGTH else clean(value)

    return run


@_remembering
def clean_html(html: str) -> str:
    """Author HTML with only allow-listed tags, attributes and URL schemes; the rest stripped."""
    return bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


@_remembering
def clean_text(text: str) -> str:
    """Plain text fields: strip every tag, keep the words."""
    return bleach.clean(text, tags=set(), strip=True, strip_comments=True)
