"""One date format per file: the candidate format that reads every date of the file."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import duckdb
import pyarrow as pa

from analyzer.arrays import integers
from analyzer.errors import InputError
from analyzer.importers.base import Staged, TableMapping, _column_lookup, staged_view
from analyzer.importers.specs import Timestamp

# Candidates are first compared on this many rows of a large file (parsing every candidate on
# every row cost seconds a file); a winner needs this lead over the runner-up.
SAMPLE_ROWS = 20_000
CLEAR_LEAD = 0.9


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

    def ref(column: str) -> str:
        return lookup[column.strip().lower()]

    for name, spec in mapping.fields.items():
        if not isinstance(spec, Timestamp) or len(spec.formats) < 2:
            continue
        candidates = [replace(spec, formats=(fmt,), iso_fallback=False) for fmt in spec.formats]
        try:
            texts = [candidate.text_sql(ref) for candidate in candidates]
        except KeyError:
            continue
        # Each text the candidates read is computed once (most read the same), and each
        # candidate parses it: a query's planning takes longer the longer its text.
        distinct = list(dict.fromkeys(texts))
        parsed = [
            candidate.sql(ref, text=f"_t{distinct.index(text)}")
            for candidate, text in zip(candidates, texts, strict=True)
        ]
        winner = _winner(con, staged, parsed, distinct)
        if winner is None:
            continue
        hits, disagree = winner
        winners = [i for i, n in enumerate(hits) if n == max(hits)]
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


def _winner(
    con: duckdb.DuckDBPyConnection, staged: Staged, parsed: list[str], texts: list[str]
) -> tuple[list[int], dict[tuple[int, int], int]] | None:
    """Each format's count of dates read and each pair's disagreements; None when no format
    reads any date. ``parsed``: SQL of each format's date, reading the ``texts`` as _t0, _t1...

    A large file is first counted on a random sample: a format that reads clearly more of the
    sample's dates than any other (the runner-up under ``CLEAR_LEAD`` of its count) wins. A
    close race, a tie or a sample without dates is counted over the whole file.
    """
    with staged_view(con, staged, "staged_dates"):
        sample = _sample(con, staged)
        if sample is not None:
            try:
                hits, disagree = _format_counts(con, sample, parsed, texts)
            finally:
                if sample == "staged_sample":
                    con.unregister(sample)
            ranked = sorted(hits, reverse=True)
            if ranked[0] and (len(ranked) == 1 or ranked[1] < CLEAR_LEAD * ranked[0]):
                return hits, disagree
        hits, disagree = _format_counts(con, "staged_dates", parsed, texts)
    return (hits, disagree) if max(hits) else None


def _sample(con: duckdb.DuckDBPyConnection, staged: Staged) -> str | None:
    """SQL of about SAMPLE_ROWS staged rows drawn at random (the same ones for the same file);
    None for small files."""
    if isinstance(staged.table, pa.Table):
        rows = staged.table.num_rows
        if rows <= 2 * SAMPLE_ROWS:
            return None
        picked = sorted(random.Random(rows).sample(range(rows), SAMPLE_ROWS))
        con.register("staged_sample", staged.table.take(integers(picked, pa.int64())))
        return "staged_sample"
    rows = int(con.sql(f"SELECT count(*) FROM {staged.table}").fetchall()[0][0])
    if rows <= 2 * SAMPLE_ROWS:
        return None
    return f"(SELECT * FROM {staged.table} WHERE hash(rowid) % {rows // SAMPLE_ROWS} = 0)"


def _format_counts(
    con: duckdb.DuckDBPyConnection, source: str, parsed: list[str], texts: list[str]
) -> tuple[list[int], dict[tuple[int, int], int]]:
    """How many dates each format reads, and on how many rows each pair reads different ones
    (each format parsed once per row)."""
    pairs = [(i, j) for i in range(len(parsed)) for j in range(i + 1, len(parsed))]
    counts = [f"count(_p{i})" for i in range(len(parsed))] + [
        f"count(*) FILTER (WHERE _p{i} IS NOT NULL AND _p{j} IS NOT NULL AND _p{i} <> _p{j})"
        for i, j in pairs
    ]
    values = ", ".join(f"{p} AS _p{i}" for i, p in enumerate(parsed))
    read = ", ".join(f"{text} AS _t{i}" for i, text in enumerate(texts))
    row = con.sql(
        f"SELECT {', '.join(counts)} FROM (SELECT {values} FROM (SELECT {read} FROM {source}))"
    ).fetchall()[0]
    hits = list(row[: len(parsed)])
    return hits, dict(zip(pairs, row[len(parsed) :], strict=True))
