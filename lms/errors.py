"""The one domain exception type. The API layer maps its code to an HTTP status once."""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"  # 400: the request itself is wrong
    NOT_FOUND = "not_found"  # 404: absent, or not the caller's to see
    CONFLICT = "conflict"  # 409: valid, but the current state forbids it


class DomainError(Exception):
    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
