"""Country names in every language phonenumbers knows, as a lookup table for the Country spec."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import threading
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from analyzer.arrays import strings


@cache
def _country_names() -> pa.Table:
    """Every country name phonenumbers knows, in every language it has, folded, to alpha-2.

    Kept in the user's cache as an Arrow file: building it loads phonenumbers' locale data
    (about a second of CPU), reading it takes milliseconds. The file's name carries what the
    table depends on (the analyzer's code, Python, and phonenumbers' data file), so a stale one
    is never read; one that cannot be read or written is built again.
    """
    kept = _cache_file()
    if kept is not None:
        with contextlib.suppress(OSError, pa.ArrowException):
            with pa.memory_map(str(kept)) as source:
                table = pa.ipc.open_file(source).read_all()
            if table.schema.names == ["name", "code"]:
                return table
    table = _build_country_names()
    if kept is not None:
        with contextlib.suppress(OSError, pa.ArrowException):
            kept.parent.mkdir(parents=True, exist_ok=True)
            partial = kept.with_name(f"{kept.name}.{os.getpid()}.tmp")
            with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                out.write_table(table)
            os.replace(partial, kept)
            for old in kept.parent.glob("country-names-*.arrow"):
                if old != kept:
                    old.unlink(missing_ok=True)  # built for other code or data
    return table


def _cache_file() -> Path | None:
    from analyzer.importers.profile_files import cache_folder, code_fingerprint

    folder = cache_folder()
    spec = importlib.util.find_spec("phonenumbers")
    if folder is None or spec is None or spec.origin is None:
        return None
    try:
        data = os.stat(Path(spec.origin).parent / "geodata" / "locale.py")
    except OSError:
        return None
    key = f"{code_fingerprint()} {data.st_size} {data.st_mtime_ns}"
    name = hashlib.sha256(key.encode()).hexdigest()[:24]
    return folder.parent / f"country-names-{name}.arrow"


def _build_country_names() -> pa.Table:
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
    """Create the country-name lookup table once per database, only where a layout needs it.

    Building it from phonenumbers' locale data costs about a second, which a file without a
    country column should not pay. It is a table of the database, not of the connection: the
    extractions of one process share it.
    """
    if con.sql(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'country_names'"
    ).fetchall()[0][0]:
        return
    if _PREFETCH:
        _PREFETCH[0].join()  # the table is then in the cache (or is built here, if that failed)
    con.register("country_names_arrow", _country_names())
    con.execute("CREATE TABLE IF NOT EXISTS country_names AS SELECT * FROM country_names_arrow")
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
