"""Reading JSON files that people upload or hand to a command (`import_records`,
`import_curriculum`), and the integer limits their values must respect.

`load_json` never lets a hostile document crash the reader with a traceback: nesting deeper
than `MAX_DEPTH` (a document of 100,000 `[` makes `json.loads` raise RecursionError),
`NaN`, `Infinity` and numbers too large for a float are refused with a message.

`integer_limits` gives the range an integer field holds on PostgreSQL (the strictest of the
supported databases: SQLite takes any 64-bit integer), so a file refused on one database is
refused on the other, and a value out of range is named before anything is written.
"""

import json
import math
from typing import Any

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

MAX_DEPTH = 64  # the formats nest about 10 deep (lesson body blocks included)


class JsonInputError(ValueError):
    """The text is not JSON this site reads; the message says why, for a person."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JsonInputError(f"the number {text} is too large")
    return value


def _constant(name: str):
    raise JsonInputError(f"{name} is not a JSON number")


def load_json(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """The document in `raw`. Raises JsonInputError: "not valid JSON: ..." or "nested too
    deeply (more than N levels)"."""
    too_deep = JsonInputError(f"nested too deeply (more than {max_depth} levels)")
    try:
        data = json.loads(raw, parse_float=_finite, parse_constant=_constant)
    except RecursionError:
        raise too_deep from None
    except JsonInputError as error:
        raise JsonInputError(f"not valid JSON: {error}") from None
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise JsonInputError(f"not valid JSON: {error}") from None
    if nesting_depth(data, limit=max_depth) > max_depth:
        raise too_deep
    return data


def nesting_depth(data: Any, *, limit: int) -> int:
    """How deep lists and objects nest in `data` (a scalar is 0), counting no further than
    `limit` + 1. Iterative: a deep document cannot exhaust the stack here."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        deepest = max(deepest, depth)
        if depth > limit:
            return deepest
        stack.extend((item, depth + 1) for item in value if isinstance(item, dict | list))
    return deepest


def integer_limits(field: models.Field) -> tuple[int, int] | None:
    """(lowest, highest) an integer field (or a foreign key to one) holds on PostgreSQL;
    None for a field that is not an integer."""
    if field.is_relation:
        field = field.target_field
    return BaseDatabaseOperations.integer_field_ranges.get(field.get_internal_type())


def is_integer(value: Any) -> bool:
    """A JSON integer (true and false are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def integer_problem(value: Any, limits: tuple[int, int]) -> str | None:
    """Why `value` is not an integer within `limits`, or None when it is."""
    low, high = limits
    if not is_integer(value) or not low <= value <= high:
        return f"must be an integer from {low} to {high}"
    return None
