"""The API's request parser: DRF's JSON parser, with deep nesting refused as malformed.

Python's JSON decoder recurses once per level of nesting; a body nested a few thousand levels
deep raises RecursionError, which DRF does not catch (a 500). Here it is a 400 ParseError, as
any other body that is not JSON.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
