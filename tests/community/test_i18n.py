"""The Spanish catalogs: every string of the public pages translated, and the compiled .mo
files in step with the .po files they come from (a .po edited without `compilemessages`
would leave the site showing the old text)."""

import ast
import gettext
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CATALOGS = [REPO / "community" / "locale", REPO / "lms" / "locale"]
# lms strings that never reach a Spanish page (API token errors, the MFA form's label).
UNTRANSLATED = {
    "One-time code",
    "Invalid token.",
    "User inactive or deleted.",
    "Token expired: request a new one.",
}


def entries(po: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (no plurals or contexts are used)."""
    found, key, current = {}, None, None
    for line in [*po.read_text("utf-8").splitlines(), ""]:
        if line.startswith("msgid "):
            key, current = "msgid", [line[6:]]
        elif line.startswith("msgstr "):
            msgid = "".join(ast.literal_eval(part) for part in current)
            key, current = "msgstr", [line[7:]]
        elif line.startswith('"') and current is not None:
            current.append(line)
        elif key == "msgstr":
            found[msgid] = "".join(ast.literal_eval(part) for part in current)
            key, current = None, None
    found.pop("", None)
    return found


@pytest.mark.parametrize("locale", CATALOGS, ids=lambda p: p.parent.name)
def test_every_string_is_translated_and_compiled(locale):
    po = entries(locale / "es" / "LC_MESSAGES" / "django.po")
    with (locale / "es" / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert po
    for msgid, msgstr in po.items():
        if msgid in UNTRANSLATED:
            continue
        assert msgstr, f"not translated: {msgid!r}"
        assert compiled.gettext(msgid) == msgstr, f"the .mo is older than the .po: {msgid!r}"
        assert set(re.findall(r"%\(\w+\)s|\{\w+\}", msgid)) == set(
            re.findall(r"%\(\w+\)s|\{\w+\}", msgstr)
        ), f"placeholders differ: {msgid!r}"
