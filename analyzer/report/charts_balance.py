"""The prepaid balance chart: one panel per currency, with top-ups, reversals and expiry."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analyzer.report.charts import LINE_FILTER, WIDTH, _day


def balance(
    points: pd.DataFrame, marks: pd.DataFrame, expiry: pd.DataFrame, t: dict[str, str]
) -> alt.VConcatChart:
    """Balance per prepaid line, one panel per currency, with top-ups, reversals and expiry."""
    panels = []
    for currency in sorted(points["currency"].unique()):
        mine = points[points["currency"] == currency]
        layers = [
            alt.Chart(mine)
            .transform_filter(LINE_FILTER)
            .mark_line(interpolate="step-after", strokeWidth=2)
            .encode(
                x=_day(t),
                y=alt.Y("balance:Q", title=f"{t['balance']} ({currency})"),
                color=alt.Color("line:N", title=t["line"]),
                tooltip=[
                    alt.Tooltip("line:N", title=t["line"]),
                    alt.Tooltip("day:T", title=t["day"], format="%Y-%m-%d"),
                    alt.Tooltip("balance_text:N", title=t["balance"]),
                ],
            )
        ]
        my_marks = marks[marks["currency"] == currency]
        if len(my_marks):
            layers.append(
                alt.Chart(my_marks)
                .transform_filter(LINE_FILTER)
                .mark_point(filled=True, size=110, opacity=1)
                .encode(
                    x=_day(t),
                    y="balance:Q",
                    shape=alt.Shape(
                        "what_label:N",
                        title=None,
                        scale=alt.Scale(
                            domain=[t["event_topup"], t["event_adjustment"]],
                            range=["triangle-up", "triangle-down"],
                        ),
                        legend=alt.Legend(orient="bottom"),
                    ),
                    fill=alt.Fill(
                        "what_label:N",
                        scale=alt.Scale(
                            domain=[t["event_topup"], t["event_adjustment"]],
                            range=["#009E73", "#D55E00"],
                        ),
                        legend=None,
                    ),
                    tooltip=[
                        alt.Tooltip("line:N", title=t["line"]),
                        alt.Tooltip("day:T", title=t["day"], format="%Y-%m-%d"),
                        alt.Tooltip("what_label:N", title=" "),
                        alt.Tooltip("amount_text:N", title=t["amount"]),
                    ],
                )
            )
        my_expiry = expiry[expiry["currency"] == currency] if len(expiry) else expiry
        if len(my_expiry):
            rule = alt.Chart(my_expiry).transform_filter(LINE_FILTER)
            layers.append(
                rule.mark_rule(color="#CC79A7", strokeDash=[4, 3], strokeWidth=1.5).encode(
                    x="day:T",
                    tooltip=[
                        alt.Tooltip("line:N", title=t["line"]),
                        alt.Tooltip("day:T", title=t["event_expiry"], format="%Y-%m-%d"),
                    ],
                )
            )
            layers.append(
                rule.mark_text(align="right", dx=-4, y=8, color="#CC79A7", fontSize=11).encode(
                    x="day:T", text=alt.value(t["event_expiry"])
                )
            )
        panels.append(alt.layer(*layers).properties(width=WIDTH, height=200))
    return alt.vconcat(*panels, spacing=20)
