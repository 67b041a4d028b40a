"""The API's request parser: JSON read by `lms.json_input.load_json`, as uploaded files are.

Python's JSON decoder recurses once per level of nesting; a body nested a few thousand levels
deep raises RecursionError, which DRF does not catch (a 500). Here it, nesting past
`MAX_DEPTH`, and `NaN` or `Infinity` are a 400 ParseError, as any other body that is not JSON.
"""

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from lms.json_input import JsonInputError, load_json


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return load_json(stream.read().decode(encoding))
        except (JsonInputError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error - {error}") from None
