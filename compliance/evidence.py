"""Evidence files of external training: a PDF, PNG or JPEG, told by its first bytes (never by
its name or the type the browser claims), and no larger than COMPLIANCE_EVIDENCE_MAX_BYTES."""

from django.conf import settings

from lms.errors import DomainError, ErrorCode

MAX_BYTES_DEFAULT = 10 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def max_bytes() -> int:
    return int(getattr(settings, "COMPLIANCE_EVIDENCE_MAX_BYTES", MAX_BYTES_DEFAULT))


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes announce, among those accepted; else None."""
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def check_evidence(upload) -> str:
    """The type of an uploaded file, or DomainError INVALID on `evidence` (empty, too large, or
    not a PDF, PNG or JPEG)."""
    limit = max_bytes()
    if upload.size == 0:
        raise DomainError(ErrorCode.INVALID, "The file is empty.", field="evidence")
    if upload.size > limit:
        raise DomainError(
            ErrorCode.INVALID,
            f"The file is larger than {limit // (1024 * 1024)} MB.",
            field="evidence",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise DomainError(ErrorCode.INVALID, "Upload a PDF, PNG or JPEG file.", field="evidence")
    return kind


def display_name(name: str) -> str:
    """The uploaded file's name, for people to read (kept apart from the stored name)."""
    base = (name or "evidence").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|')
    return cleaned[:200] or "evidence"
