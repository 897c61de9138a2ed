"""Tables several rules read: a line's days, its parts of a day and its stretches in a country.

Each is one SELECT in ``analyzer/rules/tables/<name>.sql``. Two kinds:

- **Kept per line and day** (the SQL reads ``day_usage``: a line's dated records, with only the
  columns such a table may use): kept in the database and, at each run, recomputed only for the
  (line, day) pairs whose records changed since. A digest of each pair's records
  (``line_day_digests``) tells which: any row added, removed, superseded or altered changes it,
  whichever command changed it. A fleet's new month recomputes that month's days, not ten
  million events. A change to these tables' SQL, to the schema or to DuckDB rebuilds them whole.
- **Per run** (any other): a temporary table built by the first rule of the run that names it,
  from the kept tables (``line_stretches`` joins a line's parts across days).

A rule that names one (``FROM line_days``) gets it ready before it runs. On a read-only
connection the kept tables are built for the run as temporary tables, as the others are.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import cache
from importlib import resources

import duckdb

from analyzer.errors import is_interrupt

# A line's dated records: what the kept tables may read, and so what each pair's digest covers.
DAY_USAGE = """
    SELECT event_id, line, CAST(started_at AS DATE) AS day, started_at, ended_at, kind,
           quantity, amount, currency, country, roaming, network
    FROM usage
    WHERE line IS NOT NULL AND started_at IS NOT NULL
"""
DIGESTS = "line_day_digests"
DIGEST_KEY = "line_day_tables"  # meta: what the kept tables were computed with


@cache
def shared_tables() -> dict[str, str]:
    """Every shared table's SQL by name, in name order."""
    folder = resources.files("analyzer.rules").joinpath("tables")
    return {
        entry.name.removesuffix(".sql"): entry.read_text("utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".sql")
    }


@cache
def kept_tables() -> tuple[str, ...]:
    """The shared tables kept per line and day: those whose SQL reads ``day_usage``."""
    return tuple(name for name, sql in shared_tables().items() if _reads(sql, "day_usage"))


def tables_read(sql: str) -> tuple[str, ...]:
    """The shared tables a rule's SQL reads."""
    return tuple(name for name in shared_tables() if _reads(sql, name))


def _reads(sql: str, name: str) -> bool:
    return re.search(rf"\b{name}\b", sql) is not None


def _body(name: str) -> str:
    return shared_tables()[name].strip().rstrip(";")


class SharedTables:
    """The shared tables of one run: the kept ones brought up to date once, the others built
    once, on first need, and dropped at the end."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.built: set[str] = set()
        self.errors: dict[str, str] = {}
        self.kept_ready = False
        self.temporary: dict[str, str] = {}  # what this run created in the temp schema: its kind

    def ensure(self, names: tuple[str, ...]) -> str | None:
        """Build the tables not built yet; the error of one that could not be, else None."""
        if names and not self.kept_ready:
            self.kept_ready = True
            self._run(kept_tables(), self._refresh_kept)
        for name in names:
            if name not in self.built and name not in self.errors:
                self._build_per_run(name)
            if name in self.errors:
                return f"{name}: {self.errors[name]}"
        return None

    def _run(self, names: tuple[str, ...], step: Callable[[], None]) -> None:
        """Run ``step``; a database error is recorded as each name's (the rules reading them
        fail with it, the others run); an interrupt stops the run."""
        try:
            step()
        except duckdb.Error as exc:
            if is_interrupt(exc):
                raise
            text = str(exc).strip()
            for name in names:
                self.errors[name] = text.splitlines()[0] if text else type(exc).__name__
            return
        self.built.update(names)

    def _build_per_run(self, name: str) -> None:
        """A per-run table, from kept tables brought up to date (never from stale ones)."""
        stale = [self.errors[kept] for kept in tables_read(_body(name)) if kept in self.errors]
        if stale:
            self.errors[name] = stale[0]
            return

        def build() -> None:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {_body(name)}")
            self.temporary[name] = "TABLE"

        self._run((name,), build)

    def _refresh_kept(self) -> None:
        if not kept_tables():
            return
        if _read_only(self.con):
            self._temp_view("day_usage", DAY_USAGE)
            for name in kept_tables():
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {_body(name)}")
                self.temporary[name] = "TABLE"
            return
        digest = _definition_digest(self.con)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE current_digests AS SELECT line, day, count(*) AS events, "
            f"bit_xor(hash(d)) AS digest FROM ({DAY_USAGE}) AS d GROUP BY line, day"
        )
        self.temporary["current_digests"] = "TABLE"
        if digest != _stored_digest(self.con) or not _all_kept_exist(self.con):
            self._rebuild_kept(digest)
        else:
            self._update_kept()

    def _rebuild_kept(self, digest: str) -> None:
        """Compute the kept tables over every day (first run, or their definition changed)."""
        self._temp_view("day_usage", DAY_USAGE)
        self._in_transaction(
            [
                *(f"CREATE OR REPLACE TABLE main.{n} AS {_body(n)}" for n in kept_tables()),
                f"CREATE OR REPLACE TABLE main.{DIGESTS} AS SELECT * FROM temp.current_digests",
            ],
            digest,
        )

    def _update_kept(self) -> None:
        """Recompute the kept tables for the days whose records changed, if any did."""
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE changed_days AS
            SELECT coalesce(cur.line, kept.line) AS line, coalesce(cur.day, kept.day) AS day
            FROM temp.current_digests cur
            FULL JOIN main.{DIGESTS} kept ON kept.line = cur.line AND kept.day = cur.day
            WHERE cur.events IS DISTINCT FROM kept.events
               OR cur.digest IS DISTINCT FROM kept.digest
            """
        )
        self.temporary["changed_days"] = "TABLE"
        first, last, count = self.con.execute(
            "SELECT min(day), max(day), count(*) FROM temp.changed_days"
        ).fetchall()[0]
        if not count:
            return
        # the day range lets the scan skip the stored row groups of other months
        self._temp_view(
            "day_usage",
            f"SELECT d.* FROM ({DAY_USAGE}) AS d "
            "SEMI JOIN temp.changed_days c ON c.line = d.line AND c.day = d.day "
            f"WHERE d.started_at >= DATE '{first}' AND d.started_at < DATE '{last}' + 1",
        )
        statements = []
        for name in (*kept_tables(), DIGESTS):
            statements.append(
                f"DELETE FROM main.{name} AS t USING temp.changed_days c "
                "WHERE c.line = t.line AND c.day = t.day"
            )
        statements += [
            f"INSERT INTO main.{n} BY NAME SELECT * FROM ({_body(n)})" for n in kept_tables()
        ]
        statements.append(
            f"INSERT INTO main.{DIGESTS} SELECT d.* FROM temp.current_digests d "
            "SEMI JOIN temp.changed_days c ON c.line = d.line AND c.day = d.day"
        )
        self._in_transaction(statements, None)

    def _in_transaction(self, statements: list[str], digest: str | None) -> None:
        """All or nothing: an interrupted refresh leaves the kept tables and digests as they
        were, so the next run recomputes the same days."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            for statement in statements:
                self.con.execute(statement)
            if digest is not None:
                self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [DIGEST_KEY, digest])
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def _temp_view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
        self.temporary[name] = "VIEW"

    def drop(self) -> None:
        """Free what the run built (a fleet's tables hold a row per line and day); the kept
        tables stay in the database for the next run."""
        for name, kind in sorted(self.temporary.items()):
            self.con.execute(f"DROP {kind} IF EXISTS temp.main.{name}")
        self.temporary.clear()
        self.built.clear()
        self.kept_ready = False


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()
    return bool(rows and rows[0][0])


def _definition_digest(con: duckdb.DuckDBPyConnection) -> str:
    """What the kept tables' rows depend on besides the records: their SQL, the schema, DuckDB."""
    schema = con.execute("SELECT value FROM meta WHERE key = 'schema_digest'").fetchall()
    text = "\n".join(
        [DAY_USAGE, *(shared_tables()[n] for n in kept_tables()), repr(schema), duckdb.__version__]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stored_digest(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [DIGEST_KEY]).fetchall()
    return rows[0][0] if rows else None


def _all_kept_exist(con: duckdb.DuckDBPyConnection) -> bool:
    names = [*kept_tables(), DIGESTS]
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND list_contains(?, table_name)",
        [names],
    ).fetchall()
    return rows[0][0] == len(names)
