"""Outputs of the database: findings and query rows, Parquet files, and the guard that keeps
every output off the database and the inputs."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analyzer.api.database import Database, connection, path_of
from analyzer.api.filters import _findings_query
from analyzer.errors import AnalyzerError, OutputClashError, shown

# Tables written by export_parquet, and the query behind each (events gain their partition keys).
EXPORT_TABLES: dict[str, str] = {
    "events": """
        SELECT e.* EXCLUDE (raw), CAST(e.raw AS VARCHAR) AS raw,
               e.event_id IN (SELECT event_id FROM usage) AS in_usage,
               strftime(coalesce(e.started_at, s.period_start), '%Y-%m') AS month
        FROM events e LEFT JOIN statements s USING (statement_id)
        ORDER BY e.line, month, e.started_at, e.event_id
    """,
    "statements": "SELECT * EXCLUDE (extra), CAST(extra AS VARCHAR) AS extra FROM statements "
    "ORDER BY statement_id",
    "findings": "SELECT * FROM findings ORDER BY finding_id",
    "sources": "SELECT * FROM sources ORDER BY source_id",
    # The settings the rules read (from analyzer.toml), so the export can be audited elsewhere.
    "lines": "SELECT * FROM lines ORDER BY ALL",
    "rate_cards": "SELECT * FROM rate_cards ORDER BY ALL",
}


def list_findings(
    db: str | Path | Database,
    *,
    rules: Sequence[str] = (),
    lines: Sequence[str] = (),
    severity: str | None = None,
    period: str | None = None,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Findings with evidence (file, page/row), filtered; the rows ``analyzer findings`` prints."""
    query, args = _findings_query(lines or None, period, None, None, rules or None, severity)
    with connection(db, read_only=True) as con:
        relation = con.sql(
            f"""
            SELECT rule, severity, title, line, period_start, period_end, amount_at_stake,
                   currency, observed, expected, detail, evidence
            FROM ({query})
            """,
            params=args,
        )
        return list(relation.columns), relation.fetchall()


def run_query(
    db: str | Path | Database, sql: str, params: Sequence[Any] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """One query on a read-only connection (it cannot change the database): columns and rows."""
    with Database(path_of(db)) as database:
        relation = database.sql(sql, params)
        return list(relation.columns), relation.fetchall()


def write_query_parquet(
    db: str | Path | Database, sql: str, out: str | Path, params: Sequence[Any] | None = None
) -> int:
    """Write one read-only query's rows to a Parquet file (streamed); return the row count.

    The query's connection may not write files, so the batches are written here with pyarrow.
    """
    import duckdb
    import pyarrow.parquet as pq

    target = Path(out)
    check_output(target, db)
    target.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with Database(path_of(db)) as database:
        relation = database.sql(sql, params)
        try:
            reader = relation.to_arrow_reader()
            with pq.ParquetWriter(str(target), reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
                    rows += batch.num_rows
        except duckdb.Error as exc:
            target.unlink(missing_ok=True)
            raise AnalyzerError(f"the query failed: {str(exc).splitlines()[0]}") from exc
    return rows


def _same_file(a: Path, b: Path) -> bool:
    """One file under two names: equal paths, symbolic links, or hard links (device, inode)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        first, second = a.stat(), b.stat()
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def check_output(
    out: str | Path, db: str | Path | Database, inputs: Sequence[Path] = (), *, folder: bool = False
) -> None:
    """Refuse an output that would overwrite the database, its write-ahead log or an input.

    A ``folder`` output is refused when the database or an input lies inside it, since an
    export with --overwrite replaces what it finds there.
    """
    target = Path(out)
    db = path_of(db)
    protected = [(db, "the database")]
    protected += [(Path(f"{db}.wal"), "the database's write-ahead log")]
    protected += [(Path(os.path.realpath(db) + ".wal"), "the database's write-ahead log")]
    protected += [(Path(p), "the input file") for p in inputs]
    for path, what in protected:
        inside = folder and _inside(path, target)
        if _same_file(target, path) or inside:
            named = "" if what.startswith("the database") else f" {shown(path)}"
            where = f"holds {what}" if inside else f"is {what}"
            raise OutputClashError(
                f"refusing to write to {shown(target)}: it {where}{named}; "
                "choose another output path"
            )


def _inside(path: Path, folder: Path) -> bool:
    real = Path(os.path.realpath(path))
    return Path(os.path.realpath(folder)) in real.parents


def export_parquet(
    db: str | Path | Database, folder: str | Path, *, overwrite: bool = False
) -> dict[str, int]:
    """Write events (Hive-partitioned by line and month), statements, findings and sources.

    Layout: ``events/line=<line>/month=<YYYY-MM>/*.parquet`` (line URL-encoded, ``+`` as
    ``%2B``; the partition columns are also kept inside the files, as text), and
    ``statements/``, ``findings/``, ``sources/`` with one file each. Returns rows per table.
    """
    target = Path(folder)
    for name in EXPORT_TABLES:
        check_output(target / name, db, folder=True)
    if target.exists() and not target.is_dir():
        raise AnalyzerError(f"{target} is a file; give a folder to export into")
    if not overwrite:
        taken = [name for name in EXPORT_TABLES if (target / name).exists()]
        if taken:
            raise AnalyzerError(
                f"{target / taken[0]} already exists; choose another folder or pass --overwrite"
            )
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with connection(db, read_only=True) as con:
        for name, query in EXPORT_TABLES.items():
            options = ["FORMAT parquet"] + (["OVERWRITE"] if overwrite else [])
            destination = target / name
            if name == "events":
                options += ["PARTITION_BY (line, month)", "WRITE_PARTITION_COLUMNS true"]
            else:
                destination.mkdir(exist_ok=True)
                destination = destination / f"{name}.parquet"
            # A path cannot be a bound parameter in COPY: quote it as an SQL string literal.
            literal = "'" + str(destination).replace("'", "''") + "'"
            written = con.execute(f"COPY ({query}) TO {literal} ({', '.join(options)})")
            counts[name] = int(written.fetchall()[0][0])
    return counts
