"""The DuckDB settings every connection of the analyzer uses, in one place.

Nothing the analyzer does needs an extension, so DuckDB may never fetch one from the network;
its progress bar writes to stdout, where it would corrupt --json and --csv output.
"""

from __future__ import annotations

import os
import re
import stat
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache

import duckdb

from analyzer.errors import is_interrupt

CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}

# How much memory DuckDB may use on the user's database before it spills to disk: by default
# it takes up to 80% of the machine's, which a fleet's years of events do take on a shared
# machine. ``--memory-limit`` or this variable sets it ("2GB", "512MB").
MEMORY_ENVVAR = "USAGE_ANALYZER_MEMORY"
SMALLEST_LIMIT_MB = 256  # below this DuckDB's own work on a few threads fails
_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT])(i?)B\s*", re.IGNORECASE)
_chosen_limit: str | None = None


def memory_limit_setting(size: str, source: str = "--memory-limit") -> str:
    """``size`` as DuckDB's memory_limit ('1.5 gb' -> '1.5GB'); ValueError naming ``source``
    and what to write when it is not a size or is too small to work in."""
    match = _SIZE.fullmatch(size)
    if match is None:
        raise ValueError(f"{source} {size!r} is not a size: write it as 2GB or 512MB")
    number, unit, binary = match.groups()
    base = 1024 if binary else 1000  # as DuckDB reads them: GB = 10^9 bytes, GiB = 2^30
    power = "KMGT".index(unit.upper()) + 1
    size_bytes = float(number) * base**power
    if size_bytes < SMALLEST_LIMIT_MB * 1000**2:
        raise ValueError(f"{source} {size!r} is too small: give at least {SMALLEST_LIMIT_MB}MB")
    if size_bytes >= 2**60:  # DuckDB refuses what its byte count cannot hold
        raise ValueError(f"{source} {size!r} is more than any machine has: give one such as 64GB")
    return f"{number}{unit.upper()}{binary.lower()}B"


def choose_memory_limit(size: str | None) -> None:
    """Set the memory limit of the connections opened from now on (None: the environment's
    ``USAGE_ANALYZER_MEMORY``, else DuckDB's default)."""
    global _chosen_limit
    _chosen_limit = None if size is None else memory_limit_setting(size)


def database_config() -> dict[str, object]:
    """The settings of a connection to the user's database: ``CONFIG`` and the memory limit.

    Raises ValueError for a ``USAGE_ANALYZER_MEMORY`` that is not a usable size.
    """
    if _chosen_limit is not None:
        return {**CONFIG, "memory_limit": _chosen_limit}
    size = os.environ.get(MEMORY_ENVVAR, "").strip()
    if not size:
        return CONFIG
    return {**CONFIG, "memory_limit": memory_limit_setting(size, f"${MEMORY_ENVVAR}")}


def quiet(con: duckdb.DuckDBPyConnection) -> None:
    """Turn DuckDB's progress bar off (in a notebook without ipywidgets it cannot be set)."""
    with suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")


def private_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory database for work that must not touch the user's (extraction, checks)."""
    con = duckdb.connect(":memory:", config=CONFIG)
    quiet(con)
    return con


def memory_limit(megabytes: int) -> str:
    """A DuckDB memory limit of about ``megabytes``, never below what its threads need to work
    (128 MB each)."""
    return f"{max(megabytes, 128 * (os.cpu_count() or 1))}MB"


# What one extraction's tables may hold in memory before DuckDB writes them to its own folder
# of temporary files: a file of ten million rows then needs disk, not ten gigabytes of memory.
EXTRACTION_MEMORY_MB = 512


# Once an extraction's events are only read out into the user's database, block by block, its
# connection needs little memory: what its tables hold beyond this goes to its folder, so an
# import's peak is not the extraction's memory and the store's added up.
READ_OUT_MEMORY_MB = 128
_SPILLING: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()
# The process's private database, by the process's id: a child made by fork() opens its own
# (the parent's, inherited, is never used nor closed there).
_EXTRACTION: dict[int, duckdb.DuckDBPyConnection] = {}
_EXTRACTION_LOCK = threading.Lock()


def spilling_connection() -> duckdb.DuckDBPyConnection:
    """A connection of its own to the process's private in-memory database, whose tables spill
    to a folder of its own past ``EXTRACTION_MEMORY_MB``.

    Opening a database costs about 30 ms, which a folder of a hundred small bills paid a
    hundred times: the database and its folder last as long as the process, and each
    extraction takes a connection to it. An extraction's tables are temporary, so a connection
    sees only its own, and closing it frees them (and what they spilled).
    """
    with _EXTRACTION_LOCK:
        if os.getpid() not in _EXTRACTION:
            import shutil
            import tempfile

            folder = tempfile.mkdtemp(prefix=temp_prefix("spill"))
            config = {
                **CONFIG,
                "temp_directory": folder,
                "memory_limit": memory_limit(EXTRACTION_MEMORY_MB),
            }
            database = duckdb.connect(":memory:", config=config)
            weakref.finalize(database, shutil.rmtree, folder, True)  # at exit, at the latest
            _EXTRACTION[os.getpid()] = database
        con = _EXTRACTION[os.getpid()].cursor()
    # The limit is the database's: the read-out of the last extraction lowered it.
    con.execute(f"SET memory_limit = '{memory_limit(EXTRACTION_MEMORY_MB)}'")
    quiet(con)
    _SPILLING.add(con)
    return con


def spill_for_read_out(con: duckdb.DuckDBPyConnection) -> None:
    """Move what a spilling connection holds in memory beyond ``READ_OUT_MEMORY_MB`` to its
    folder (nothing for another connection: its default folder would be the working one)."""
    if con not in _SPILLING:
        return
    try:
        con.execute(f"SET memory_limit = '{memory_limit(READ_OUT_MEMORY_MB)}'")
    except duckdb.Error as exc:  # what could not be moved stays: the read-out works all the same
        if is_interrupt(exc):
            raise


@contextmanager
def memory_at_most(con: duckdb.DuckDBPyConnection, megabytes: int) -> Iterator[None]:
    """Lower a connection to the user's database to ``megabytes`` of memory for a while (never
    raise its limit), then give it back the limit it was opened with (``database_config``)."""
    shown = con.sql("SELECT current_setting('memory_limit')").fetchall()[0][0]
    current = size_bytes(shown)
    if current is not None and current <= megabytes << 20:
        yield
        return
    try:
        con.execute(f"SET memory_limit = '{megabytes}MB'")
    except duckdb.Error as exc:  # more is held than can be moved out: keep the limit it has
        if is_interrupt(exc):
            raise
        yield
        return
    try:
        yield
    finally:
        limit = database_config().get("memory_limit")
        con.execute(f"SET memory_limit = '{limit}'" if limit else "RESET memory_limit")


_UNITS = {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def size_bytes(shown: str) -> float | None:
    """DuckDB's size as it shows it ('18.8 GiB') in bytes; None when not so written."""
    number, _, unit = shown.partition(" ")
    try:
        return float(number) * _UNITS[unit]
    except (KeyError, ValueError):
        return None


# The analyzer's temporary folders are named analyzer-KIND-PID-random: a process killed before
# it could remove its own (SIGKILL, the OOM killer) leaves one whose PID tells it is stale.
_OURS = re.compile(r"analyzer-(?:spill|csv|sheet|name)-(\d+)-[a-z0-9_]+")
# Names the analyzer gave its folders before they carried the PID: removed once a day old.
_UNNUMBERED = re.compile(r"analyzer-(?:spill-|sheet-)?[a-z0-9_]{8}")
UNNUMBERED_AGE_S = 24 * 3600


def temp_prefix(kind: str) -> str:
    """The name's start for a new temporary folder of this process (``spill``, ``csv``,
    ``sheet`` or ``name``: ``paths.native_name``); the first call of a process removes the
    folders killed processes left."""
    sweep_stale_folders()
    return f"analyzer-{kind}-{os.getpid()}-"


@cache
def sweep_stale_folders() -> int:
    """Once per process: remove the temporary folders of analyzer processes that no longer
    exist; return how many. Only the user's own folders, never through a symbolic link, and
    a folder that cannot be removed is left as it is (never an error)."""
    import tempfile

    if os.name != "posix":  # no signal 0 to ask whether a process is alive
        return 0
    return remove_stale_folders(tempfile.gettempdir())


def remove_stale_folders(root: str) -> int:
    """``sweep_stale_folders`` in ``root``, every time it is called: one listing of it."""
    import shutil
    import time

    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(root))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith("analyzer-"):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
                continue
            if not _stale(entry.name, info.st_mtime, now):
                continue
            shutil.rmtree(entry.path)  # refuses a folder turned into a link meanwhile
            removed += 1
        except OSError:
            continue
    return removed


def _stale(name: str, modified: float, now: float) -> bool:
    ours = _OURS.fullmatch(name)
    if ours:
        return not _alive(int(ours.group(1)))
    return bool(_UNNUMBERED.fullmatch(name)) and now - modified > UNNUMBERED_AGE_S


def _alive(pid: int) -> bool:
    """Whether a process of that PID exists (anyone's: a PID in use is never taken as free)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # not ours to signal, or not a PID at all: leave its folder
    return True
