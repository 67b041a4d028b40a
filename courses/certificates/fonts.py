"""The certificate's fonts: embedded TrueType faces that cover every name we print.

ReportLab embeds (a subset of) each TrueType font it draws with, so the PDF shows the same
letters on every reader; it takes TrueType outlines only, not CFF-flavoured OpenType. Two faces
from pinned PyPI packages (requirements.txt), each shipping its licence beside the font:

- Noto Serif and Noto Sans (`fontpkg-noto-serif`, `fontpkg-noto-sans`; SIL Open Font License
  1.1): Latin with Polish and Vietnamese letters, Cyrillic and Greek. Variable fonts: ReportLab
  draws their default instance, the regular weight.
- WenQuanYi Micro Hei (`paperang-p2-fonts-cjk`; Apache License 2.0, its notice in the font's
  name table): Chinese, Japanese kana and Korean, for the characters Noto does not have.

A line of text is drawn as runs: each character in the first face that has it.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

import fontpkg_noto_sans
import fontpkg_noto_serif
import paperang_p2_fonts_cjk
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SERIF = "CG-NotoSerif"
SANS = "CG-NotoSans"
CJK = "CG-WenQuanYiMicroHei"

FONT_FILES = {
    SERIF: (fontpkg_noto_serif.ROOT / "files" / "NotoSerif[wdth,wght].ttf", 0),
    SANS: (fontpkg_noto_sans.ROOT / "files" / "NotoSans[wdth,wght].ttf", 0),
    CJK: (Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc", 0),
}


@functools.cache
def register_fonts() -> None:
    """Parse and register the faces once per process (about half a second, the CJK face most)."""
    for name, (path, index) in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))


@functools.cache
def _charmap(name: str) -> frozenset[int]:
    register_fonts()
    return frozenset(pdfmetrics.getFont(name).face.charToGlyph)


@dataclass(frozen=True)
class Run:
    text: str
    font: str


def runs(text: str, primary: str) -> list[Run]:
    """Split `text` into runs of one face each: `primary` where it has the character, else the
    CJK face where it has it, else `primary` again (which then shows its missing-glyph box)."""
    found: list[Run] = []
    first, fallback = _charmap(primary), _charmap(CJK)
    for char in text:
        code = ord(char)
        font = CJK if code not in first and code in fallback else primary
        if found and found[-1].font == font:
            found[-1] = Run(found[-1].text + char, font)
        else:
            found.append(Run(char, font))
    return found


def width(parts: list[Run], size: float) -> float:
    return sum(pdfmetrics.stringWidth(part.text, part.font, size) for part in parts)


def missing(text: str) -> str:
    """The characters of `text` that no face of ours can draw (for tests and the bench)."""
    covered = _charmap(SERIF) | _charmap(CJK)
    return "".join(sorted({char for char in text if ord(char) not in covered and char != " "}))
