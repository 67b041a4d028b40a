"""Charts drawn on the server as SVG: no scripts, readable without colour, with a text title."""

from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from assessments.surveys import SurveyReport
from oversight.reports import Dashboard

CELL_W, CELL_H, LABEL_W, HEAD_H = 72, 34, 190, 44


def _fill(percent: int) -> str:
    """Light to dark blue as completion rises; text colour flips for contrast."""
    lightness = 96 - int(percent * 0.62)  # 96% (empty) .. 34% (all)
    return f"hsl(208, 55%, {lightness}%)"


def completion_heatmap_svg(dashboard: Dashboard) -> SafeString:
    """Units down, modules across; each cell shows the percent of the unit that completed it."""
    modules, units = dashboard.modules, dashboard.units
    width = LABEL_W + CELL_W * max(len(modules), 1) + 8
    height = HEAD_H + CELL_H * max(len(units), 1) + 8
    header = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" class="chart-head">M{}</text>',
        (
            (LABEL_W + CELL_W * i + CELL_W // 2, HEAD_H - 14, m.number)
            for i, m in enumerate(modules)
        ),
    )
    rows = []
    for r, unit in enumerate(units):
        y = HEAD_H + CELL_H * r
        cells = format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}">'
            "<title>{}: module {} — {} of {} ({}%)</title></rect>"
            '<text x="{}" y="{}" text-anchor="middle" class="{}">{}%</text>',
            (
                (
                    LABEL_W + CELL_W * i + 2,
                    y + 2,
                    CELL_W - 4,
                    CELL_H - 4,
                    _fill(cell.percent),
                    unit.name,
                    modules[i].number,
                    cell.completed,
                    cell.total,
                    cell.percent,
                    LABEL_W + CELL_W * i + CELL_W // 2,
                    y + CELL_H // 2 + 5,
                    "chart-cell chart-cell--dark" if cell.percent >= 60 else "chart-cell",
                    cell.percent,
                )
                for i, cell in enumerate(unit.cells)
            ),
        )
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" class="chart-label">{} ({})</text>{}',
                LABEL_W - 10,
                y + CELL_H // 2 + 5,
                unit.name,
                unit.people,
                cells,
            )
        )
    return format_html(
        '<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="heatmap-title heatmap-desc">'
        '<title id="heatmap-title">Module completion by unit</title>'
        '<desc id="heatmap-desc">Percent of each unit that has completed each module; '
        "the table below gives the same figures.</desc>{}{}</svg>",
        header,
        SafeString("".join(rows)),
        w=width,
        h=height,
    )


SHIFT_LABEL_W, SHIFT_STEP, SHIFT_ROW_H, SHIFT_HEAD_H, SHIFT_PAD = 290, 100, 34, 64, 24
SHIFT_TAIL_W = 80
STATEMENT_CHARS = 38


def _short(text: str, limit: int = STATEMENT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class ShiftChartText:
    """The chart's words, English for the training survey by default; the community pages pass
    their own (before / after the event, in the respondent's language)."""

    before: str = "Before the training"
    after: str = "After"
    disagree: str = "Strongly disagree"
    agree: str = "Strongly agree"
    hidden: str = "hidden: too few answers"
    title: str = "Average agreement per statement, before and after"
    desc: str = (
        "For each statement, the average answer on a scale from 1 (strongly disagree) to 5 "
        "(strongly agree) before the training (hollow dot) and after it (filled dot), with the "
        "change at the end of the row; the table below gives the same figures."
    )
    # Tooltips: str.format with number, statement (and pre, pre_n, post, post_n, shift).
    row: str = (
        "Statement {number}: {statement} Before: {pre} (n={pre_n}). After: {post} "
        "(n={post_n}). Shift: {shift}."
    )
    hidden_row: str = "Statement {number}: {statement} (hidden: too few answers)"


def survey_shift_svg(
    report: SurveyReport, *, text: ShiftChartText = ShiftChartText(), ids: str = "shift"
) -> SafeString:
    """A dumbbell per statement on the 1-5 scale: a hollow dot for the mean before the training,
    a filled dot for after, joined by a line; the shift is printed at the end of the row.
    Hollow versus filled carries the meaning, so the chart reads without colour. `report` needs
    only `items` (ItemShift rows); `ids` prefixes the title's and description's element ids,
    unique per chart on a page."""
    items = report.items
    x0 = SHIFT_LABEL_W + SHIFT_PAD
    plot_w = SHIFT_STEP * 4
    width = x0 + plot_w + SHIFT_PAD + SHIFT_TAIL_W
    height = SHIFT_HEAD_H + SHIFT_ROW_H * max(len(items), 1) + 8
    bottom = height - 8

    def x(value: float) -> str:
        return f"{x0 + (value - 1) * SHIFT_STEP:.1f}"

    legend = format_html(
        '<circle cx="{}" cy="14" r="6" class="chart-dot chart-dot--pre"/>'
        '<text x="{}" y="19" class="chart-label">{}</text>'
        '<circle cx="{}" cy="14" r="6" class="chart-dot chart-dot--post"/>'
        '<text x="{}" y="19" class="chart-label">{}</text>',
        x0,
        x0 + 12,
        text.before,
        x0 + 170,
        x0 + 182,
        text.after,
    )
    scale = format_html_join(
        "",
        '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" class="chart-grid"/>'
        '<text x="{0}" y="{3}" text-anchor="middle" class="chart-head">{4}</text>',
        ((x(v), SHIFT_HEAD_H - 4, bottom, SHIFT_HEAD_H - 10, v) for v in range(1, 6)),
    )
    ends = format_html(
        '<text x="{}" y="{}" text-anchor="start" class="chart-label">{}</text>'
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>',
        x(1),
        SHIFT_HEAD_H - 28,
        text.disagree,
        x(5),
        SHIFT_HEAD_H - 28,
        text.agree,
    )
    rows = []
    for i, item in enumerate(items):
        y = SHIFT_HEAD_H + SHIFT_ROW_H * i + SHIFT_ROW_H // 2
        label = format_html(
            '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}. {}</text>',
            SHIFT_LABEL_W,
            y + 5,
            item.number,
            _short(item.statement),
        )
        if item.suppressed:
            rows.append(
                format_html(
                    '<g><title>{}</title>{}<text x="{}" y="{}" class="chart-label">{}</text></g>',
                    text.hidden_row.format(number=item.number, statement=item.statement),
                    label,
                    x0,
                    y + 5,
                    text.hidden,
                )
            )
            continue
        pre, post, shift = item.pre.mean, item.post.mean, item.shift
        rows.append(
            format_html(
                "<g><title>{}</title>{}"
                '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-link"/>'
                '<circle cx="{}" cy="{}" r="7" class="chart-dot chart-dot--pre"/>'
                '<circle cx="{}" cy="{}" r="6" class="chart-dot chart-dot--post"/>'
                '<text x="{}" y="{}" class="chart-cell">{}</text></g>',
                text.row.format(
                    number=item.number,
                    statement=item.statement,
                    pre=f"{pre:.2f}",
                    pre_n=item.pre.n,
                    post=f"{post:.2f}",
                    post_n=item.post.n,
                    shift=f"{shift:+.2f}",
                ),
                label,
                x(pre),
                x(post),
                y,
                y,
                x(pre),
                y,
                x(post),
                y,
                x0 + plot_w + SHIFT_PAD,
                y + 5,
                f"{shift:+.2f}",
            )
        )
    return format_html(
        '<svg class="chart chart--shift" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-labelledby="{ids}-title {ids}-desc">'
        '<title id="{ids}-title">{title}</title>'
        '<desc id="{ids}-desc">{desc}</desc>{}{}{}{}</svg>',
        legend,
        ends,
        scale,
        SafeString("".join(rows)),
        w=width,
        h=height,
        ids=ids,
        title=text.title,
        desc=text.desc,
    )
