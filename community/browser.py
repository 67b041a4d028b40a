"""One response per phase per browser, for events without codes: a signed cookie lists the
(event, phase) pairs this browser has answered. Nothing about the browser is kept on the
server; clearing cookies gets round it, which is why events that need more hand out codes.

The page and the API keep separate cookies (each with its own path), so neither makes the
anonymous page cache pass over the rest of the site for someone who answered."""

from django.core import signing

COOKIE = "cg_answered"
SALT = "community.answered"
MAX_AGE = 180 * 24 * 3600
MAX_PAIRS = 40  # the oldest fall off: a cookie stays small


def _pairs(request) -> list[str]:
    try:
        raw = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return []
    return [pair for pair in raw.split(",") if pair]


def answered(request, event_id: int, phase: str) -> bool:
    return f"{event_id}:{phase}" in _pairs(request)


def mark_answered(request, response, event_id: int, phase: str, *, path: str) -> None:
    pairs = [p for p in _pairs(request) if p != f"{event_id}:{phase}"]
    pairs = [*pairs, f"{event_id}:{phase}"][-MAX_PAIRS:]
    response.set_signed_cookie(
        COOKIE,
        ",".join(pairs),
        salt=SALT,
        max_age=MAX_AGE,
        path=path,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
