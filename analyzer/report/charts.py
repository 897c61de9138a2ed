"""One function per chart: an aggregated DataFrame in, an Altair chart out.

Charts never see raw events: every input here is a small SQL aggregate (see report.build).
"""

from __future__ import annotations

import altair as alt
import pandas as pd

WIDTH = 720


def daily_data(frame: pd.DataFrame) -> alt.Chart:
    """Data used per day and line (MB), flagged days marked."""
    base = alt.Chart(frame).encode(
        x=alt.X("day:T", title=None),
        y=alt.Y("mb:Q", title="Data per day (MB)"),
        color=alt.Color("line:N", title="Line"),
        tooltip=[
            alt.Tooltip("line:N", title="Line"),
            alt.Tooltip("day:T", title="Day"),
            alt.Tooltip("mb:Q", title="MB", format=",.1f"),
        ],
    )
    bars = base.mark_bar(opacity=0.85)
    flagged = (
        alt.Chart(frame[frame["flagged"]])
        .mark_point(shape="triangle-down", size=90, filled=True, color="#c0392b")
        .encode(x="day:T", y="mb:Q", tooltip=["line:N", "day:T", "finding:N"])
    )
    return (bars + flagged).properties(width=WIDTH, height=240, title="Data used per day")
