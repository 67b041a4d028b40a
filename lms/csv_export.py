"""Writing CSV that spreadsheet software opens safely: every CSV the site serves goes through
`csv_lines`.

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that
begins with `=`, `+`, `-` or `@` as a formula, and some treat a leading tab, carriage return,
line feed or NUL the same way, so a roster name such as `=HYPERLINK(...)` would run on the
machine of whoever opens the export. `safe_cell` prefixes such a text cell with a single quote
(`'`), which the spreadsheet shows and which makes the cell text.

Every *text* cell is escaped, including text that looks like a negative number (a badge number
"-3" comes out as "'-3"): these columns are names and identifiers, never quantities, and a
spreadsheet would otherwise turn "-0012" into -12. Numbers the site computes (ints, decimals)
are written as they are: a Python number cannot hold a formula.
"""

import csv
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
BYTE_ORDER_MARK = "\ufeff"  # UTF-8 BOM: tells spreadsheet software the file is UTF-8


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet reads it as data: text starting with a formula trigger gets a
    leading `'`; None is an empty cell; anything else is unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Iterable[str], rows: Iterable[Iterable[Any]], *, byte_order_mark: bool = False
) -> Iterator[str]:
    """The CSV text, one line at a time (for a streaming response): the header row, then each
    row with every cell through `safe_cell`. `byte_order_mark` starts the first line with the
    UTF-8 BOM, which Excel needs to read "José Núñez" as UTF-8 rather than the local code page."""
    writer = csv.writer(_Echo())
    first = writer.writerow([safe_cell(name) for name in header])
    yield BYTE_ORDER_MARK + first if byte_order_mark else first
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])
