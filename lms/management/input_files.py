"""The file a management command reads: a path, or - for standard input."""

import sys

from django.core.management.base import CommandError


def read_input_file(path: str) -> bytes:
    """The bytes of `path` (standard input for -); a file that cannot be read stops the
    command with the reason."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
