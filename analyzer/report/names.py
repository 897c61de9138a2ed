"""How the report names a line: its label from analyzer.toml, its number (masked if asked).

Every section and chart refers to a line by one ``key`` (the name charts draw in their legends),
so the page's line list can filter them all with one value.
"""

from __future__ import annotations

import duckdb

from analyzer.report import queries
from analyzer.report.masking import mask_number, mask_text
from analyzer.report.queries import Scope

# Okabe–Ito has eight colours (and the charts eight dashes): more series cannot be told apart.
MAX_CHART_LINES = 8


class LineNames:
    """Raw line ids -> what the report shows: masked if asked, labelled, busiest lines first."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, scope: Scope, mask: bool, t: dict[str, str]
    ) -> None:
        self.mask = mask
        self.other = t["other_lines"]
        ranked = queries.rows(
            con,
            scope,
            "SELECT line, sum(records) AS n FROM per_day WHERE line IS NOT NULL "
            "GROUP BY line ORDER BY n DESC, line",
        )
        labels = dict(con.sql("SELECT line, label FROM lines").fetchall())
        self.order = [line for line, _ in ranked]
        self.labels = {line: labels.get(line) for line in self.order}
        self.display: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        seen_numbers: set[str] = set()
        seen_keys: set[str] = {self.other}
        for line in self.order:
            shown = (mask_number(line) or line) if mask else line
            self.display[line] = _unique(shown, seen_numbers)
            self.keys[line] = _unique(self.labels[line] or self.display[line], seen_keys)
        self.charted = set(self.order[:MAX_CHART_LINES])

    def __call__(self, line: str | None) -> str | None:
        """The line's number as printed (masked when asked)."""
        if line is None:
            return None
        return self.display.get(line) or ((mask_number(line) or line) if self.mask else line)

    def key(self, line: str | None) -> str:
        """The name sections and the line list filter by: the label, else the number."""
        if line is None:
            return ""
        return self.keys.get(line) or self(line) or ""

    def chart_key(self, line: str | None) -> str:
        """The line as charts see it; lines beyond the busiest few share one series."""
        return self.key(line) if line in self.charted else self.other

    def text(self, value: str | None) -> str | None:
        return mask_text(value, self.display) if self.mask else value

    def text_with(self, value: str | None, numbers: list[str] | tuple[str, ...]) -> str | None:
        """A sentence with every line id and every number its events name masked, when asked."""
        if not self.mask:
            return value
        return mask_text(value, [*self.display, *numbers])

    def number(self, value: str | None) -> str | None:
        return mask_number(value) if self.mask else value

    def options(self) -> list[dict[str, str]]:
        """Every line, for the page's searchable line list: key, number and label."""
        return [
            {"key": self.keys[line], "number": self.display[line], "label": label or ""}
            for line, label in self.labels.items()
        ]


def _unique(name: str, seen: set[str]) -> str:
    candidate, n = name, 2
    while candidate in seen:
        candidate, n = f"{name} ({n})", n + 1
    seen.add(candidate)
    return candidate
