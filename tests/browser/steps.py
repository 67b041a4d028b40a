"""Steps the browser journeys share: signing in, reviewing a page (axe at two widths, with
screenshots), keyboard moves that check the focus can be seen, and reading a PDF's text."""

import io
from collections.abc import Callable, Mapping
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
PASSWORD = "browser-suite-demo-password"
SCREENSHOTS = HERE / "screenshots"
AXE_SCRIPT = HERE / "vendor" / "axe.min.js"
WIDTHS = (1280, 390)
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

_AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 160)})),
  }));
}"""

_FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return {
    tag: el.tagName.toLowerCase(),
    type: el.type || "",
    name: el.name || "",
    value: el.value || "",
    checked: !!el.checked,
    text: (el.getAttribute("aria-label") || el.innerText || label || "").trim(),
    outline: style.outlineStyle === "none" ? "none" : `${style.outlineStyle} ${style.outlineWidth}`,
    outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow,
  };
}"""


_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > width + 1)
    .filter((el) => !el.closest(".table-scroll, .chart-scroll"))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
}"""


def sign_in(page: Page, username: str, *, navigate: bool = True) -> None:
    """Sign in through the form (opened first unless `navigate` is false), typing as a person
    would; lands on My training."""
    if navigate:
        page.goto("/accounts/login/")
    page.get_by_label("Username").press_sequentially(username)
    page.get_by_label("Password").press_sequentially(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="My training")).to_be_visible()


def run_axe(page: Page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated rather than added as a <script> tag, which the site's
        # Content-Security-Policy (no inline script) would refuse.
        page.evaluate(AXE_SCRIPT.read_text())
    return page.evaluate(_AXE_RUN, WCAG_TAGS)


def is_allowed(rule: str, target: str, allowed: Mapping[tuple[str, str], str]) -> bool:
    """True when (rule, selector) is in `allowed` and axe's node target is, or ends at, the
    selector: `.DraftEditor-root` allows `div[data-contentpath="text"] > … > .DraftEditor-root`,
    the path axe writes when the element alone is not unique on the page."""
    return any(
        rule == allowed_rule
        and (target == selector or target.endswith((f" > {selector}", f" {selector}")))
        for allowed_rule, selector in allowed
    )


def review_page(
    page: Page,
    name: str,
    *,
    findings: list[dict],
    allowed: Mapping[tuple[str, str], str] | None = None,
    sideways: bool = True,
) -> None:
    """At 1280 and 390 px: run axe and save a full-page screenshot `<name>-<width>.png`.
    Every violation goes into `findings`; serious or critical ones fail the test, and so does
    a page wider than the screen (only tables and charts may scroll sideways, in their box)
    unless `sideways` is false.

    `allowed` maps (axe rule, selector) pairs that may fail to the reason why (violations that
    come from a library, not from us; see `is_allowed`); only a violation's other nodes block."""
    SCREENSHOTS.mkdir(exist_ok=True)
    viewport = page.viewport_size
    blocking = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for violation in run_axe(page):
            findings.append({"page": name, "width": width, "url": page.url, **violation})
            nodes = [
                node
                for node in violation["nodes"]
                if not is_allowed(violation["id"], node["target"], allowed or {})
            ]
            if violation["impact"] in BLOCKING_IMPACTS and nodes:
                targets = "; ".join(node["target"] for node in nodes[:5])
                blocking.append(
                    f"{width}px {violation['impact']} {violation['id']} ({violation['help']}): "
                    f"{targets}"
                )
        if sideways and page.evaluate(
            "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
        ):
            blocking.append(f"{width}px page scrolls sideways: {page.evaluate(_OVERFLOW)}")
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size(viewport)
    assert not blocking, f"axe on {name} ({page.url}):\n" + "\n".join(blocking)


def focused(page: Page) -> dict:
    """What has the keyboard focus, and how its focus indicator is drawn."""
    return page.evaluate(_FOCUSED)


def press(page: Page, key: str) -> dict:
    """Press a key; whatever then has the focus must show it (an outline or a focus ring)."""
    page.keyboard.press(key)
    element = focused(page)
    if element["tag"] != "body":
        visible = element["outlineWidth"] > 0 and element["outline"] != "none"
        assert visible or element["boxShadow"] != "none", f"focus not visible on {element}"
    return element


def follow(page: Page, key: str = "Enter") -> None:
    """Press a key that follows the focused link or submits its form; wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def tab_to(page: Page, wanted: Callable[[dict], bool], *, limit: int = 80) -> dict:
    """Press Tab until the focused element is the one `wanted`; every stop must show focus."""
    stops = []
    for _ in range(limit):
        element = press(page, "Tab")
        if wanted(element):
            return element
        stops.append(element["text"] or element["name"] or element["tag"])
    raise AssertionError(f"not reachable with Tab; stops were: {stops}")


def named(text: str) -> Callable[[dict], bool]:
    """Match the focused control by its visible text (buttons and links)."""
    return lambda element: element["text"].startswith(text)


def pdf_text(data: bytes) -> str:
    """The text of a PDF as a reader extracts it (embedded fonts included), page by page."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
