"""One date format per file: the candidate format that reads every date of the file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb

from analyzer.errors import InputError
from analyzer.importers.base import Staged, TableMapping, _column_lookup
from analyzer.importers.specs import Timestamp


def resolve_date_formats(
    con: duckdb.DuckDBPyConnection, staged: Staged, mapping: TableMapping, path: Path
) -> TableMapping:
    """One date format per file: the candidate that reads every date, or a clear error.

    A Timestamp with several formats is narrowed to the one that parses the most dates of this
    file. When two formats read every date but disagree (all days and months <= 12), the file
    is ambiguous and we refuse to guess.
    """
    fields = dict(mapping.fields)
    lookup = _column_lookup(staged.names)
    for name, spec in mapping.fields.items():
        if not isinstance(spec, Timestamp) or len(spec.formats) < 2:
            continue
        try:
            parsed = [
                replace(spec, formats=(fmt,), iso_fallback=False).sql(
                    lambda c: lookup[c.strip().lower()]
                )
                for fmt in spec.formats
            ]
        except KeyError:
            continue
        hits, disagree = _format_counts(con, staged, parsed)
        best = max(hits)
        if best == 0:
            continue
        winners = [i for i, n in enumerate(hits) if n == best]
        for i in winners[1:]:
            if disagree[(winners[0], i)]:
                raise InputError(
                    path,
                    f"the dates in {spec.column!r} are ambiguous: they read as "
                    f"{spec.formats[winners[0]]} and as {spec.formats[i]}",
                    hint="set date_format in the profile",
                )
        fields[name] = replace(spec, formats=(spec.formats[winners[0]],))
    return replace(mapping, fields=fields) if fields != dict(mapping.fields) else mapping


def _format_counts(
    con: duckdb.DuckDBPyConnection, staged: Staged, parsed: list[str]
) -> tuple[list[int], dict[tuple[int, int], int]]:
    """How many dates each format reads, and on how many rows each pair reads different ones
    (each format parsed once per row)."""
    pairs = [(i, j) for i in range(len(parsed)) for j in range(i + 1, len(parsed))]
    counts = [f"count(_p{i})" for i in range(len(parsed))] + [
        f"count(*) FILTER (WHERE _p{i} IS NOT NULL AND _p{j} IS NOT NULL AND _p{i} <> _p{j})"
        for i, j in pairs
    ]
    values = ", ".join(f"{p} AS _p{i}" for i, p in enumerate(parsed))
    con.register("staged_dates", staged.table)
    try:
        row = con.sql(
            f"SELECT {', '.join(counts)} FROM (SELECT {values} FROM staged_dates)"
        ).fetchall()[0]
    finally:
        con.unregister("staged_dates")
    hits = list(row[: len(parsed)])
    return hits, dict(zip(pairs, row[len(parsed) :], strict=True))
