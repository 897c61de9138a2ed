"""Country names in every language phonenumbers knows, as a lookup table for the Country spec."""

from __future__ import annotations

import threading
from functools import cache

import duckdb
import pyarrow as pa

from analyzer.arrays import strings


@cache
def _country_names() -> pa.Table:
    """Every country name phonenumbers knows, in every language it has, folded, to alpha-2."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    from analyzer.text import fold

    names: dict[str, str] = {}
    for code, by_language in LOCALE_DATA.items():
        if len(code) != 2:
            continue
        names.setdefault(code.lower(), code)
        for name in by_language.values():
            if not name.startswith("*"):
                names.setdefault(fold(name), code)
    return pa.table({"name": strings(list(names)), "code": strings(list(names.values()))})


def needs_country_names(spec: object) -> bool:
    """Whether a spec (or a branch of a When) looks countries up by name."""
    from analyzer.importers.specs import Country, When

    if isinstance(spec, When):
        return needs_country_names(spec.then) or needs_country_names(spec.otherwise)
    return isinstance(spec, Country)


def ensure_country_names(con: duckdb.DuckDBPyConnection) -> None:
    """Create the country-name lookup table once per connection, only where a layout needs it.

    Building it from phonenumbers' locale data costs about a second, which a file without a
    country column should not pay.
    """
    if con.sql(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'country_names'"
    ).fetchall()[0][0]:
        return
    if _PREFETCH:
        _PREFETCH[0].join()  # the table is then in the cache (or is built here, if that failed)
    con.register("country_names_arrow", _country_names())
    con.execute("CREATE TEMP TABLE country_names AS SELECT * FROM country_names_arrow")
    con.unregister("country_names_arrow")


_PREFETCH: list[threading.Thread] = []


def prefetch_country_names() -> None:
    """Start building the country names in the background (while the file is split), once.

    Loading phonenumbers' locale data takes about a second that the main thread, waiting on
    DuckDB, need not spend itself. A daemon thread: an interrupted import does not wait for it.
    """
    if not _PREFETCH and not _country_names.cache_info().currsize:
        thread = threading.Thread(target=_country_names, name="country-names", daemon=True)
        _PREFETCH.append(thread)
        thread.start()
