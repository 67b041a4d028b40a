"""Charts drawn on the server as SVG: no scripts, readable without colour, with a text title."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from courses.reports import Dashboard

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
