"""Curriculum exchange: a whole curriculum as one JSON document, and back into pages.

`export_curriculum` writes a curriculum's live modules and lessons, their quizzes, the
perception survey (when the site has surveys) and every image and document the lessons use,
embedded as base64, with block values naming them by reference instead of by database id.

`import_curriculum` reads such a document into new pages below a home page. It checks the
whole document before writing anything, then writes in one transaction: images and documents
first (rows only), then each lesson body is validated by the StreamBlock itself with the real
ids in place, then the survey and pages, each module's quiz after its lessons (a question names
the lesson that teaches it by slug, with its `level` and each choice's `feedback`); the files
go to storage last, once nothing can fail any more. A document with any problem writes
nothing, and the error names its place: "modules[2].lessons[0].body[3]: unknown block type
'iframe'". There is no merging: a slug already used below the home page is refused.
"""

from authoring.exchange.checking import check_document, parse_document
from authoring.exchange.exporting import export_curriculum
from authoring.exchange.format import (
    FORMAT,
    MAX_FILE_BYTES,
    QUIZ_FIELDS,
    VERSION,
    ExchangeError,
    survey_model,
)
from authoring.exchange.importing import default_home, import_curriculum

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "QUIZ_FIELDS",
    "VERSION",
    "ExchangeError",
    "check_document",
    "default_home",
    "export_curriculum",
    "import_curriculum",
    "parse_document",
    "survey_model",
]
