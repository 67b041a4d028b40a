"""The certificate PDF prints every name as written: embedded fonts, text that extracts as
written, long names inside the page, the agency and its signatory, a link, metadata."""

import io

import pytest
from pypdf import PdfReader

from courses.certificates import fonts
from courses.certificates.pdf import PAGE, TEXT_WIDTH, fit_lines, render_certificate_pdf

VERIFY_URL = "https://training.example.org/verify/ABCD-EFGH-JKLM-NPQR/"
NAMES = [
    "Łukasz Żółkiewski",  # Polish
    "Nguyễn Thị Minh Khai",  # Vietnamese
    "Александра Сергеевна Кузнецова",  # Russian
    "Γεώργιος Παπαδόπουλος",  # Greek
    "王秀英",  # Chinese
    "陈 Nguyễn Ωmega Жанна",  # all of them on one line
]
LONG_NAME = "Maximiliana Alexandrina Wolfeschlegelsteinhausenbergerdorff-Ng"


def render(certificate, name: str | None = None) -> PdfReader:
    if name is not None:
        certificate.holder_name = name
    return PdfReader(io.BytesIO(render_certificate_pdf(certificate, verify_url=VERIFY_URL)))


def page_text(reader: PdfReader) -> list[str]:
    return [line.strip() for line in reader.pages[0].extract_text().splitlines()]


@pytest.mark.parametrize("name", NAMES)
def test_a_name_in_any_of_our_scripts_extracts_from_the_pdf_as_written(certificate, name):
    assert fonts.missing(name) == ""
    assert name in page_text(render(certificate, name))


def test_every_font_in_the_pdf_is_embedded(certificate):
    reader = render(certificate, NAMES[-1])
    seen = set()
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is None:  # a Type0 font: the descriptor is on its descendant
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
        seen.add(str(font["/BaseFont"]))
    assert len(seen) >= 3  # serif, sans and the CJK face


def test_a_62_character_name_shrinks_to_fit_inside_the_page(certificate):
    assert len(LONG_NAME) == 62
    [line], size, [scale] = fit_lines(
        LONG_NAME, font=fonts.SERIF, size=30, min_size=15, max_width=TEXT_WIDTH
    )
    assert 15 <= size < 30 and scale == 1.0
    assert fonts.width(line, size) <= TEXT_WIDTH < PAGE[0]

    reader = render(certificate, LONG_NAME)
    assert LONG_NAME in page_text(reader)
    positions = []

    def visitor(text, cm, tm, font, size):
        if text.strip():
            positions.append((text, tm[4] * cm[0] + cm[4], tm[0] * size))

    reader.pages[0].extract_text(visitor_text=visitor)
    [(x, font_size)] = [(x, s) for text, x, s in positions if text.startswith("Maximiliana")]
    assert x > 0.4 * 72  # starts inside the border
    assert x + fonts.width(fonts.runs(LONG_NAME, fonts.SERIF), font_size) < PAGE[0] - 0.4 * 72


def test_a_name_too_long_for_one_line_wraps_and_nothing_is_cut(certificate):
    name = " ".join([LONG_NAME] * 4)
    lines, size, scales = fit_lines(
        name, font=fonts.SERIF, size=30, min_size=15, max_width=TEXT_WIDTH
    )
    assert len(lines) == 2 and size == 15
    assert " ".join("".join(run.text for run in line) for line in lines) == name
    assert all(fonts.width(line, size) * scale <= TEXT_WIDTH + 0.01 for line, scale in zip(
        lines, scales, strict=True))  # fmt: skip


def test_the_pdf_shows_the_agency_and_its_signatory(certificate):
    agency = certificate.person.agency
    agency.certificate_signatory_name = "Maria Okonkwo-Hernández"
    agency.certificate_signatory_title = "Chief of Police"
    agency.save()
    text = page_text(render(certificate))
    assert agency.name.upper() in text
    assert "Maria Okonkwo-Hernández" in text
    assert "Chief of Police" in text


def test_without_a_signatory_the_signature_line_names_the_agency(certificate):
    text = page_text(render(certificate))
    assert text.count(certificate.person.agency.name) == 1  # under the line; the header is upper


def test_the_verification_address_is_a_link(certificate):
    reader = render(certificate)
    links = [
        annotation.get_object()["/A"]["/URI"]
        for annotation in reader.pages[0]["/Annots"]
        if annotation.get_object()["/Subtype"] == "/Link"
    ]
    assert links == [VERIFY_URL, VERIFY_URL]  # the printed address and the QR code
    assert f"Verify at {VERIFY_URL}" in page_text(reader)


def test_the_pdf_carries_title_author_subject_and_language(certificate):
    reader = render(certificate)
    meta = reader.metadata
    assert meta.title == f"Certificate of Completion: {certificate.curriculum_title} — Dana Reyes"
    assert meta.author == certificate.person.agency.name
    assert "Dana Reyes completed" in meta.subject and certificate.serial in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "en-US"
    assert len(reader.pages) == 1
