"""Saving a rules run's findings: only what changed is written, and a finding keeps its id.

A run gathers its findings in temporary tables with new ids. Saving matches them to the saved
ones by content (every column but the id; a folded finding also by the finding it is folded
into), identical findings one to one. A matched finding keeps its saved id, so an id a person
wrote down ("finding 4711") still names the same finding after the next run; a saved finding
with no match is deleted; a run's finding with no match is inserted with its new id. A finding
folded into an incident now and not before (or the other way round) is matched by what it says
and moves to the other table with its id. A run over an unchanged database writes no finding.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analyzer.model import OUTPUT_COLUMNS

# Every column of findings and folded_findings but the ids: what a finding says.
CONTENT = ("rule", "severity", "title", *OUTPUT_COLUMNS)
# The temporary tables of the run's ids matched to the saved ones: in the same table, and
# across them (a finding folded now and not before, or the other way round).
FINDING_PAIRS = "temp.main.saving_finding_pairs"
FOLDED_PAIRS = "temp.main.saving_folded_pairs"
MOVED_PAIRS = "temp.main.saving_moved_pairs"


@dataclass(frozen=True)
class Saved:
    """What a saving wrote: findings (folded ones included) deleted and inserted, and kept."""

    kept: int
    deleted: int
    inserted: int


def save_findings(
    con: duckdb.DuckDBPyConnection,
    saved: str,
    run_findings: str,
    run_folded: str,
    rules: list[str] | None = None,
) -> Saved:
    """Write the run's findings over the saved ones (``saved``: their schema, ``main.``-ended)
    in one transaction; an error or an interrupt leaves the saved findings as they were.

    ``rules``: the rules the run ran, when not all of them (with every rule their findings fold
    with); the saved findings of the others are left as they are.
    """
    scope, args = ("list_contains(?, rule)", [rules]) if rules is not None else ("true", [])
    findings, folded = f"{saved}findings", f"{saved}folded_findings"
    con.execute("BEGIN TRANSACTION")
    try:
        _match(con, f"{findings} WHERE {scope}", run_findings, args, FINDING_PAIRS, into=None)
        _match(con, f"{folded} WHERE {scope}", run_folded, args, FOLDED_PAIRS, FINDING_PAIRS)
        # What is left on each side may have moved between the tables: it keeps its id too.
        unmatched = "finding_id NOT IN (SELECT {} FROM {})"
        new_findings = f"{run_findings} WHERE {unmatched.format('run_id', FINDING_PAIRS)}"
        new_folded = f"{run_folded} WHERE {unmatched.format('run_id', FOLDED_PAIRS)}"
        gone_findings = (
            f"{findings} WHERE {scope} AND {unmatched.format('saved_id', FINDING_PAIRS)}"
        )
        gone_folded = f"{folded} WHERE {scope} AND {unmatched.format('saved_id', FOLDED_PAIRS)}"
        _match(con, gone_folded, new_findings, args, MOVED_PAIRS, into=None)
        _match(con, gone_findings, new_folded, args, MOVED_PAIRS, into=None, add=True)
        outcome = _write(con, saved, run_findings, run_folded, scope, args)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")
    finally:
        for pairs in (FINDING_PAIRS, FOLDED_PAIRS, MOVED_PAIRS):
            con.execute(f"DROP TABLE IF EXISTS {pairs}")
    return outcome


def _match(
    con: duckdb.DuckDBPyConnection,
    saved: str,
    run: str,
    args: list,
    pairs: str,
    into: str | None,
    *,
    add: bool = False,
) -> None:
    """``pairs`` (run_id, saved_id): the run's rows (``run``: a table, and its WHERE if any)
    matched to the saved ones (``saved``, likewise, its ``?`` bound to ``args``) by content;
    with ``add``, added to the pairs already there.

    Rows are paired by a hash of their content, identical ones numbered in id order and paired
    one to one; then every pair is compared column by column (NULL equal to NULL), so a hash
    that two different rows share costs a rewrite, never a wrong id. With ``into`` (the
    findings' pairs), a folded row also matches only if it is folded into the same finding: the
    run's incident id is read as the saved id it was matched to.
    """
    columns = list(CONTENT)
    run_into = ""
    joined = ""
    if into is not None:
        columns.append("into_finding_id")
        run_into = ", coalesce(i.saved_id, r.into_finding_id) AS into_finding_id"
        joined = f"LEFT JOIN {into} i ON i.run_id = r.into_finding_id"
    # a NULL list and an empty one hash alike
    hashed = f"hash({', '.join(columns)}, event_ids IS NULL)"
    same = " AND ".join(f"r.{c} IS NOT DISTINCT FROM s.{c}" for c in columns)
    content = ", ".join(f"r.{c}" for c in CONTENT)
    table = pairs.removeprefix("temp.main.")
    start = f"INSERT INTO {table}" if add else f"CREATE OR REPLACE TEMP TABLE {table} AS"
    con.execute(
        f"""
        {start}
        WITH found AS (
            SELECT r.finding_id, {content}{run_into} FROM (SELECT * FROM {run}) r {joined}
        ),
        kept AS (SELECT * FROM {saved}),
        found_keys AS (
            SELECT finding_id, h, row_number() OVER (PARTITION BY h ORDER BY finding_id) AS nth
            FROM (SELECT finding_id, {hashed} AS h FROM found)
        ),
        saved_keys AS (
            SELECT finding_id, h, row_number() OVER (PARTITION BY h ORDER BY finding_id) AS nth
            FROM (SELECT finding_id, {hashed} AS h FROM kept)
        )
        SELECT f.finding_id AS run_id, k.finding_id AS saved_id
        FROM found_keys f JOIN saved_keys k USING (h, nth)
        JOIN found r ON r.finding_id = f.finding_id
        JOIN kept s ON s.finding_id = k.finding_id
        WHERE {same}
        """,
        args or None,
    )


def _write(
    con: duckdb.DuckDBPyConnection,
    saved: str,
    run_findings: str,
    run_folded: str,
    scope: str,
    args: list,
) -> Saved:
    """Delete the saved rows the run did not match, insert the run's new ones (none when the
    counts say every row matched)."""
    counts = con.execute(
        f"""
        SELECT (SELECT count(*) FROM {FINDING_PAIRS}) + (SELECT count(*) FROM {FOLDED_PAIRS}),
               (SELECT count(*) FROM {saved}findings WHERE {scope})
               + (SELECT count(*) FROM {saved}folded_findings WHERE {scope}),
               (SELECT count(*) FROM {run_findings}) + (SELECT count(*) FROM {run_folded})
        """,
        args + args or None,
    ).fetchall()
    kept, before, found = (int(n) for n in counts[0])
    outcome = Saved(kept, before - kept, found - kept)
    if outcome.deleted:
        for table, pairs in (("folded_findings", FOLDED_PAIRS), ("findings", FINDING_PAIRS)):
            con.execute(
                f"DELETE FROM {saved}{table} WHERE {scope} "
                f"AND finding_id NOT IN (SELECT saved_id FROM {pairs})",
                args or None,
            )
    if outcome.inserted:
        # A finding that moved between the tables is written with its saved id.
        con.execute(
            f"""
            INSERT INTO {saved}findings
            SELECT r.* REPLACE (coalesce(m.saved_id, r.finding_id) AS finding_id)
            FROM {run_findings} r LEFT JOIN {MOVED_PAIRS} m ON m.run_id = r.finding_id
            WHERE r.finding_id NOT IN (SELECT run_id FROM {FINDING_PAIRS})
            """
        )
        con.execute(
            f"""
            INSERT INTO {saved}folded_findings
            SELECT r.* REPLACE (
                       coalesce(m.saved_id, r.finding_id) AS finding_id,
                       coalesce(i.saved_id, mi.saved_id, r.into_finding_id) AS into_finding_id)
            FROM {run_folded} r
            LEFT JOIN {MOVED_PAIRS} m ON m.run_id = r.finding_id
            LEFT JOIN {FINDING_PAIRS} i ON i.run_id = r.into_finding_id
            LEFT JOIN {MOVED_PAIRS} mi ON mi.run_id = r.into_finding_id
            WHERE r.finding_id NOT IN (SELECT run_id FROM {FOLDED_PAIRS})
            """
        )
    return outcome
