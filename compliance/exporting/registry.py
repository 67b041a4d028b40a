"""What can be exported: a registry of kinds, each saying how its parameters are checked and
how its file is written. Compliance registers its own (`compliance.exporting.kinds`); an app
above compliance registers its kinds from its `AppConfig.ready` (oversight: the completion
report), so compliance never imports it."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lms.errors import DomainError, ErrorCode

if TYPE_CHECKING:
    from compliance.exporting.models import ExportRequest
    from lms.models import Person


@dataclass(frozen=True)
class Cleaned:
    """A kind's parameters once checked: JSON-safe; the person they are about, if any; the
    object the audit event names (default: the person, else the export itself)."""

    parameters: dict[str, Any]
    person: "Person | None" = None
    subject: Any = None


@dataclass(frozen=True)
class ExportKind:
    """One kind of export.

    * `clean(*, user, data)`: the requester's raw input (strings) → `Cleaned`; raises
      DomainError (INVALID naming the field, NOT_FOUND outside the requester's scope) or
      PermissionDenied, before anything is written.
    * `write(*, export, viewer)`: the file's content as chunks (bytes or str, UTF-8), read
      with `viewer`'s scope (the requester); run by the task, maybe more than once.
    * `filename(export)`, `describe(export)`: the download's name, a line for *My exports*.
    * `audit_format`: the `format` of its REPORT_EXPORTED audit event; `audit_fields`: which
      parameters the event records (None: all).
    """

    code: str
    label: str
    content_type: str
    audit_format: str
    clean: Callable[..., Cleaned]
    write: Callable[..., Iterable[bytes | str]]
    filename: Callable[["ExportRequest"], str]
    describe: Callable[["ExportRequest"], str]
    audit_fields: tuple[str, ...] | None = None


_KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    """Add a kind (once per code: a second registration of a code is a programming error)."""
    if kind.code in _KINDS and _KINDS[kind.code] != kind:
        raise ValueError(f"Export kind {kind.code!r} is registered twice.")
    _KINDS[kind.code] = kind
    return kind


def kinds() -> Mapping[str, ExportKind]:
    return dict(_KINDS)


def kind_of(code: str) -> ExportKind:
    """The kind registered as `code`, or DomainError INVALID on `kind`."""
    try:
        return _KINDS[code]
    except KeyError:
        known = ", ".join(sorted(_KINDS))
        raise DomainError(
            ErrorCode.INVALID, f"Unknown export kind. Must be one of: {known}.", field="kind"
        ) from None
