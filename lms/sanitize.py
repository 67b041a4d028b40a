"""The one allow-list for author-entered HTML. Everything an author types passes through here."""

import bleach

ALLOWED_TAGS = frozenset(
    {"p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "ul", "ol", "li", "blockquote", "a"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})


def clean_html(html: str | None) -> str:
    """Author HTML with only allow-listed tags, attributes and URL schemes; the rest stripped."""
    return bleach.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def clean_text(text: str | None) -> str:
    """Plain text fields: strip every tag, keep the words."""
    return bleach.clean(text or "", tags=set(), strip=True, strip_comments=True)
