"""One function per chart: a small aggregated DataFrame in, an Altair chart out.

Charts never see raw events: every input is a SQL aggregate (see report.queries), already masked
and labelled. Charts with a ``line`` column obey the page's line selector through the Vega
parameter ``line_filter``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

WIDTH = 800
ALL = "__all__"
LINE_FILTER = f"line_filter == '{ALL}' || datum.line == line_filter"
# Okabe–Ito: told apart by readers with any common colour-vision deficiency. Series also differ
# by dash, and a rule's flag is a shape, so colour is never the only cue.
# Yellow comes last: it is the palette's faintest on white.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3], [10, 4], [3, 6]]
FLAG = "#000000"
LIMIT = "#D55E00"
CATEGORY_COLORS = {
    "plan": "#0072B2",
    "usage": "#009E73",
    "roaming": "#E69F00",
    "fees": "#D55E00",
    "taxes": "#56B4E9",
    "credits": "#CC79A7",
}
STYLE = {
    "font": "system-ui, -apple-system, Segoe UI, Roboto, Noto Sans CJK SC, sans-serif",
    "view": {"stroke": None},
    "axis": {
        "labelColor": "#475569",
        "titleColor": "#334155",
        "gridColor": "#eef2f6",
        "domainColor": "#cbd5e1",
        "tickColor": "#cbd5e1",
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": 500,
    },
    "legend": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": 500,
        "symbolOpacity": 1,
        "labelLimit": 220,
        "orient": "bottom",
        "direction": "vertical",
    },
    "autosize": {"type": "fit-x", "contains": "padding"},
    "title": {"fontSize": 14, "fontWeight": 600, "anchor": "start", "color": "#0f172a"},
    "range": {"category": PALETTE},
    "axisX": {"labelOverlap": "greedy", "labelFlush": True},
}


def _day(t: dict[str, str]) -> alt.X:
    return alt.X("day:T", title=None, axis=alt.Axis(format=t["day_format"], labelAngle=0))


def daily_data(
    frame: pd.DataFrame,
    bands: pd.DataFrame,
    flags: pd.DataFrame,
    shades: pd.DataFrame,
    t: dict[str, str],
) -> alt.LayerChart:
    """MiB per day and line, with the line's usual band, flagged days, gaps and as-of shading.
    The band and the flags are datasets of their own, so each day's row stays three fields."""
    base = alt.Chart(frame).transform_filter(LINE_FILTER)
    layers = []
    if len(shades):
        layers.append(
            alt.Chart(shades)
            .transform_filter(LINE_FILTER)
            .mark_rect(opacity=0.5)
            .encode(
                x="start:T",
                x2="stop:T",
                fill=alt.Fill(
                    "what_label:N",
                    scale=alt.Scale(range=["#d9d9d9", "#cfe8f7"]),
                    legend=alt.Legend(title=None, orient="top"),
                ),
                tooltip=[
                    alt.Tooltip("line:N", title=t["line"]),
                    alt.Tooltip("what_label:N", title=" "),
                    alt.Tooltip("start:T", title=t["from"], format="%Y-%m-%d"),
                ],
            )
        )
    layers += [
        alt.Chart(bands)
        .transform_filter(LINE_FILTER)
        .mark_rect(opacity=0.12)
        .encode(
            y=alt.Y("low:Q", title=t["mb_per_day"]),
            y2="high:Q",
            color=alt.Color("line:N", title=t["line"], legend=None),
        ),
        base.mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=1.8).encode(
            x=_day(t),
            y="mb:Q",
            color=alt.Color("line:N", title=t["line"]),
            strokeDash=alt.StrokeDash("line:N", title=t["line"], scale=alt.Scale(range=DASHES)),
            tooltip=[
                alt.Tooltip("line:N", title=t["line"]),
                alt.Tooltip("day:T", title=t["day"], format="%Y-%m-%d"),
                alt.Tooltip("mb:Q", title=t["mb"], format=",.1f"),
            ],
        ),
        alt.Chart(flags)
        .transform_filter(LINE_FILTER)
        .mark_point(size=140, filled=True, yOffset=-10)
        .encode(
            x=_day(t),
            y="mb:Q",
            shape=alt.Shape(
                "flag_label:N",
                title=t["flagged"],
                scale=alt.Scale(range=["triangle-down", "diamond"]),
            ),
            color=alt.value(FLAG),
            tooltip=[
                alt.Tooltip("line:N", title=t["line"]),
                alt.Tooltip("day:T", title=t["day"], format="%Y-%m-%d"),
                alt.Tooltip("flag_label:N", title=t["finding"]),
                alt.Tooltip("mb:Q", title=t["mb"], format=",.1f"),
            ],
        ),
    ]
    return alt.layer(*layers).properties(width=WIDTH, height=260)


def allowance(actual: pd.DataFrame, forecast: pd.DataFrame, t: dict[str, str]) -> alt.LayerChart:
    """Cumulative GB in the cycle against the allowance, with the forecast and its range."""
    line_color = alt.Color("line:N", title=t["line"])
    used = (
        alt.Chart(actual)
        .transform_filter(LINE_FILTER)
        .mark_line(strokeWidth=2.2, point=alt.OverlayMarkDef(size=14))
        .encode(
            x=_day(t),
            y=alt.Y("gib:Q", title=t["gb_cumulative"]),
            color=line_color,
            tooltip=[
                alt.Tooltip("line:N", title=t["line"]),
                alt.Tooltip("day:T", title=t["day"], format="%Y-%m-%d"),
                alt.Tooltip("gib:Q", title="GiB", format=",.2f"),
            ],
        )
    )
    fc = alt.Chart(forecast).transform_filter(LINE_FILTER)
    band = fc.mark_area(opacity=0.15).encode(x=_day(t), y="low:Q", y2="high:Q", color=line_color)
    middle = fc.mark_line(strokeDash=[5, 4], strokeWidth=1.6).encode(
        x=_day(t),
        y="mid:Q",
        color=line_color,
        tooltip=[
            alt.Tooltip("line:N", title=t["line"]),
            alt.Tooltip("day:T", title=t["forecast"], format="%Y-%m-%d"),
            alt.Tooltip("mid:Q", title="GiB", format=",.2f"),
        ],
    )
    limits = (
        alt.Chart(actual)
        .transform_filter(LINE_FILTER)
        .transform_aggregate(limit="max(limit_gib)", end="max(cycle_end)", groupby=["line"])
        .mark_rule(strokeWidth=1.5, strokeDash=[2, 2])
        .encode(
            y="limit:Q",
            color=line_color,
            tooltip=[
                alt.Tooltip("line:N", title=t["line"]),
                alt.Tooltip("limit:Q", title=t["allowance"] + " (GiB)"),
            ],
        )
    )
    limit_text = (
        alt.Chart(actual)
        .transform_filter(LINE_FILTER)
        .transform_aggregate(limit="max(limit_gib)", groupby=["line"])
        .transform_calculate(label=f"'{t['allowance']} ' + format(datum.limit, ',.0f') + ' GiB'")
        .mark_text(align="left", dx=4, dy=-7, color=LIMIT, fontSize=11)
        .encode(y="limit:Q", x=alt.value(4), text="label:N")
    )
    runs_out = (
        alt.Chart(actual)
        .transform_filter(LINE_FILTER)
        .transform_filter("datum.runs_out != null")
        .transform_aggregate(day="max(runs_out)", groupby=["line"])
        .mark_rule(color=LIMIT, strokeWidth=1.5)
        .encode(
            x="day:T",
            tooltip=[
                alt.Tooltip("line:N", title=t["line"]),
                alt.Tooltip("day:T", title=t["runs_out"], format="%Y-%m-%d"),
            ],
        )
    )
    runs_out_text = (
        alt.Chart(actual)
        .transform_filter(LINE_FILTER)
        .transform_filter("datum.runs_out != null")
        .transform_aggregate(day="max(runs_out)", groupby=["line"])
        .transform_calculate(
            label=f"'{t['runs_out']} ' + timeFormat(datum.day, '{t['day_format']}')"
        )
        .mark_text(align="left", dx=4, y=8, color=LIMIT, fontSize=11)
        .encode(x="day:T", text="label:N")
    )
    return alt.layer(band, middle, used, limits, limit_text, runs_out, runs_out_text).properties(
        width=WIDTH, height=260
    )


def spend(frame: pd.DataFrame, t: dict[str, str]) -> alt.VConcatChart:
    """Stacked spend per month by category, one panel per currency (never summed across), each
    panel's axis naming its currency."""
    categories = [c for c in CATEGORY_COLORS if c in set(frame["category"])]
    panels = []
    for currency in sorted(frame["currency"].unique()):
        panels.append(
            alt.Chart(frame[frame["currency"] == currency].drop(columns=["category"]))
            .transform_filter(LINE_FILTER)
            .mark_bar(cornerRadiusTopLeft=2, cornerRadiusTopRight=2)
            .encode(
                x=alt.X("month:O", title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y("sum(amount):Q", title=f"{t['amount']} ({currency})"),
                color=alt.Color(
                    "category_label:N",
                    title=t["category"],
                    scale=alt.Scale(
                        domain=[t[f"category_{c}"] for c in categories],
                        range=[CATEGORY_COLORS[c] for c in categories],
                    ),
                    sort=[t[f"category_{c}"] for c in categories],
                ),
                order=alt.Order("category_order:Q"),
                tooltip=[
                    alt.Tooltip("month:O", title=t["month"]),
                    alt.Tooltip("category_label:N", title=t["category"]),
                    alt.Tooltip(
                        "sum(amount):Q", title=f"{t['amount']} ({currency})", format=",.2f"
                    ),
                ],
            )
            .properties(width=WIDTH, height=200)
        )
    return alt.vconcat(*panels, spacing=20)


def countries(
    by_country: pd.DataFrame, visits: pd.DataFrame, t: dict[str, str]
) -> alt.VConcatChart:
    """Data per country, and a timeline of each visit abroad."""
    bars = (
        alt.Chart(by_country)
        .transform_filter(LINE_FILTER)
        .mark_bar(color="#2563eb", cornerRadiusEnd=2)
        .encode(
            y=alt.Y("country:N", title=t["country"], sort="-x"),
            x=alt.X("sum(gb):Q", title="GiB"),
            tooltip=[
                alt.Tooltip("country:N", title=t["country"]),
                alt.Tooltip("sum(gb):Q", title="GiB", format=",.2f"),
            ],
        )
        .transform_calculate(gb="datum.mb / 1024")
        .properties(width=WIDTH - 60, height=alt.Step(18))
    )
    if not len(visits):
        return alt.vconcat(bars)
    timeline = (
        alt.Chart(visits)
        .transform_filter(LINE_FILTER)
        .encode(
            x=alt.X("start:T", title=None, axis=alt.Axis(format=t["day_format"], labelAngle=0)),
            y=alt.Y("line:N", title=None),
        )
    )
    spans = timeline.mark_bar(cornerRadius=3, height=16).encode(
        x2="stop:T",
        color=alt.Color(
            "country:N", title=t["country"], legend=None, scale=alt.Scale(range=PALETTE[:7])
        ),
        tooltip=[
            alt.Tooltip("line:N", title=t["line"]),
            alt.Tooltip("country_name:N", title=t["country"]),
            alt.Tooltip("start:T", title=t["from"], format="%Y-%m-%d"),
            alt.Tooltip("last:T", title=t["to"], format="%Y-%m-%d"),
        ],
    )
    labels = timeline.mark_text(align="left", dx=4, color="black", fontWeight=600).encode(
        text="country:N"
    )
    trip = alt.layer(spans, labels).properties(width=WIDTH, height=alt.Step(26), title=t["trip"])
    return alt.vconcat(bars, trip, spacing=24)


def heatmap(frame: pd.DataFrame, t: dict[str, str]) -> alt.Chart:
    """MB by hour of day and weekday."""
    days = t["weekdays"].split(",")
    return (
        alt.Chart(frame)
        .transform_filter(LINE_FILTER)
        .transform_aggregate(mb="sum(mb)", groupby=["weekday", "hour"])
        .transform_calculate(day_name=f"{days!r}[datum.weekday - 1]")
        .mark_rect(cornerRadius=2)
        .encode(
            x=alt.X(
                "hour:O",
                title=t["hour"],
                axis=alt.Axis(labelAngle=0),
                scale=alt.Scale(domain=list(range(24))),
            ),
            y=alt.Y("day_name:N", title=None, sort=days),
            color=alt.Color(
                "mb:Q", title=t["mb"], scale=alt.Scale(scheme="cividis", type="sqrt", reverse=True)
            ),
            tooltip=[
                alt.Tooltip("day_name:N", title=t["weekday"]),
                alt.Tooltip("hour:O", title=t["hour"]),
                alt.Tooltip("mb:Q", title=t["mb"], format=",.0f"),
            ],
        )
        .properties(width=WIDTH - 80, height=alt.Step(24))
    )


def counterparties(frame: pd.DataFrame, t: dict[str, str], top: int = 10) -> alt.Chart:
    """The numbers called and texted most, calls and texts stacked."""
    return (
        alt.Chart(frame)
        .transform_filter(LINE_FILTER)
        .transform_aggregate(
            count="sum(count)", minutes="sum(minutes)", groupby=["contact", "kind_label"]
        )
        .transform_joinaggregate(total="sum(count)", groupby=["contact"])
        .transform_window(rank="dense_rank()", sort=[{"field": "total", "order": "descending"}])
        .transform_filter(f"datum.rank <= {int(top)}")
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            y=alt.Y(
                "contact:N", title=None, sort=alt.EncodingSortField("total", "max", "descending")
            ),
            x=alt.X("count:Q", title=t["interactions"]),
            color=alt.Color("kind_label:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("contact:N", title=t["contact"]),
                alt.Tooltip("kind_label:N", title=" "),
                alt.Tooltip("count:Q", title=t["interactions"]),
                alt.Tooltip("minutes:Q", title="min", format=",.0f"),
            ],
        )
        .properties(width=WIDTH - 160, height=alt.Step(20))
    )


def balance(points: pd.DataFrame, marks: pd.DataFrame, expiry: pd.DataFrame, t: dict[str, str]):
    """Balance per prepaid line (see ``charts_balance``)."""
    from analyzer.report.charts_balance import balance as draw

    return draw(points, marks, expiry, t)
