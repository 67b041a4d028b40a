"""The exchange format: its name and version, its error, and walking StreamField raw data."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from wagtail import blocks

from courses.models import CurriculumPage
from lms.errors import DomainError, ErrorCode

FORMAT = "common-ground-curriculum"
VERSION = 1
MAX_FILE_BYTES = 200 * 1024 * 1024  # the JSON document, media included

QUIZ_FIELDS = (
    "title",
    "pass_mark",
    "max_attempts",
    "cooldown_minutes",
    "time_limit_minutes",
    "questions_per_attempt",
    "shuffle",
    "review_policy",
)
SURVEY_SETTINGS = ("pre_survey_before_module", "post_survey_after_module")

Leaf = Callable[[blocks.Block, Any, str], Any]


class ExchangeError(DomainError):
    """The document cannot be imported (or the curriculum exported); the message says where.

    `problems` lists every problem found (one line each, "place: problem"); `message` is
    them all, one a line."""

    def __init__(self, message: str, *, where: str = "", code: ErrorCode = ErrorCode.INVALID):
        super().__init__(code, f"{where}: {message}" if where else message, field=where or None)
        self.problems = [self.message]

    @classmethod
    def several(cls, errors: "list[ExchangeError]") -> "ExchangeError":
        """One error listing the problems of `errors`, in the order found."""
        problems = [problem for error in errors for problem in error.problems]
        combined = cls("\n".join(problems), code=errors[0].code)
        combined.field = errors[0].field if len(errors) == 1 else None
        combined.problems = problems
        return combined


def survey_model() -> type[models.Model] | None:
    """The survey model while curricula can have a perception survey, else None."""
    try:
        return CurriculumPage._meta.get_field("survey").related_model
    except FieldDoesNotExist:
        return None


def survey_settings() -> list[str]:
    """The curriculum's survey timing fields that exist on this site."""
    names = {f.name for f in CurriculumPage._meta.get_fields()}
    return [name for name in SURVEY_SETTINGS if name in names]


# Walking StreamField raw data ---------------------------------------------------------------


def map_raw(block: blocks.Block, raw: Any, leaf: Leaf, where: str) -> Any:
    """`raw` (StreamField JSON for `block`) rebuilt with `leaf` applied to each value of a
    non-structural block. Raises ExchangeError where the shape does not fit the definition."""
    if isinstance(block, blocks.BaseStreamBlock):
        if not isinstance(raw, list):
            raise ExchangeError("expected a list of blocks", where=where)
        mapped = []
        for index, item in enumerate(raw):
            here = f"{where}[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("type"), str):
                raise ExchangeError("expected a block with a 'type' and a 'value'", where=here)
            child = block.child_blocks.get(item["type"])
            if child is None:
                raise ExchangeError(f"unknown block type {item['type']!r}", where=here)
            mapped.append({**item, "value": map_raw(child, item.get("value"), leaf, here)})
        return mapped
    if isinstance(block, blocks.BaseStructBlock):
        if not isinstance(raw, dict):
            raise ExchangeError("expected an object", where=where)
        if unknown := sorted(set(raw) - set(block.child_blocks)):
            raise ExchangeError(f"unknown field {unknown[0]!r}", where=where)
        return {
            name: map_raw(block.child_blocks[name], value, leaf, f"{where}.{name}")
            for name, value in raw.items()
        }
    if isinstance(block, blocks.ListBlock):
        if not isinstance(raw, list):
            raise ExchangeError("expected a list", where=where)
        mapped = []
        for index, item in enumerate(raw):
            here = f"{where}[{index}]"
            if isinstance(item, dict) and item.get("type") == "item" and "value" in item:
                mapped.append(
                    {**item, "value": map_raw(block.child_block, item["value"], leaf, here)}
                )
            else:  # the list format before Wagtail 2.16: bare values
                mapped.append(map_raw(block.child_block, item, leaf, here))
        return mapped
    return leaf(block, raw, where)


def first_block_error(error: ValidationError, where: str) -> ExchangeError:
    """The first message of a (nested) block validation error, at its place."""
    block_errors = getattr(error, "block_errors", None)
    if block_errors:
        keys = list(block_errors)
        key = min(keys) if all(isinstance(k, int) for k in keys) else keys[0]
        here = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"
        return first_block_error(block_errors[key], here)
    non_block = getattr(error, "non_block_errors", None)
    messages = [m for e in non_block.as_data() for m in e.messages] if non_block else []
    return ExchangeError(" ".join(messages or error.messages), where=where)
