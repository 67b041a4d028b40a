"""Path converters for our URLs.

`<id:...>` is an object id: 1 to 18 ASCII digits, so always within a signed 64-bit integer
(the primary keys' type). Django's `<int:...>` takes any number of digits, and a 25-digit id
reaches the database, where SQLite cannot bind it (OverflowError, a 500); with `<id:...>`
such a path matches no route: a 404. drf-spectacular documents it as an integer
(SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"]).
"""

from django.urls import register_converter

ID_MAX_DIGITS = 18


class IdConverter:
    regex = f"[0-9]{{1,{ID_MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    register_converter(IdConverter, "id")
