"""The one allow-list for author-entered HTML. Everything an author types passes through here."""

from functools import lru_cache

import bleach

ALLOWED_TAGS = frozenset(
    {"p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "ul", "ol", "li", "blockquote", "a"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})


MEMO_MAX_LENGTH = 10_000  # longer texts are cleaned every time (memo stays under ~10 MB)


def clean_html(html: str | None) -> str:
    """Author HTML with only allow-listed tags, attributes and URL schemes; the rest stripped.

    Pure, so the cleaned text of short inputs is remembered: the same explanations and
    blocks are cleaned again on every render, and bleach's parser is slow."""
    html = str(html or "")
    return _clean_html(html) if len(html) <= MEMO_MAX_LENGTH else _clean_html.__wrapped__(html)


@lru_cache(maxsize=1024)
def _clean_html(html: str) -> str:
    return bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def clean_text(text: str | None) -> str:
    """Plain text fields: strip every tag, keep the words."""
    return bleach.clean(text or "", tags=set(), strip=True, strip_comments=True)
