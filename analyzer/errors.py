"""The errors a user can cause, and what the CLI does with them.

    AnalyzerError                 exit 1: the command could not do its job
    ├── InputError                a bill file could not be read (names file, page/row)
    │   ├── UnknownFormatError    no importer or profile recognises the file
    │   └── AmbiguousFormatError  two importers claim the file
    ├── ProfileError              a TOML carrier profile is invalid (names file and key)
    ├── ConfigError               analyzer.toml is invalid (names file and key)
    └── DatabaseError             the database cannot be used
        ├── DatabaseLockedError   exit 4: another process holds the database
        ├── SchemaVersionError    the database was written by a newer version
        └── ForeignDatabaseError  the file is not this project's database (left untouched)
    OutputClashError              exit 2: an output path would overwrite the database or an input
    Interrupted                   exit 130: Ctrl-C; the file in flight left nothing behind

Every message says what happened and what to do. Anything that is not an AnalyzerError is a bug
and keeps its traceback.
"""

from __future__ import annotations

import os
import signal
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_LOCKED = 4
EXIT_FINDINGS = 5
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class AnalyzerError(Exception):
    """A failure the user can act on; its message is shown as one line."""

    exit_code = EXIT_ERROR


class InputError(AnalyzerError):
    """A bill file could not be read."""

    def __init__(
        self,
        path: Path | str,
        problem: str,
        *,
        page: int | None = None,
        row: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.problem = problem
        self.page = page
        self.row = row
        self.hint = hint
        where = shown(self.path.name)
        if page is not None:
            where += f", page {page}"
        if row is not None:
            where += f", row {row}"
        message = f"could not read {where}: {problem}"
        if hint:
            message += f"; {hint}"
        super().__init__(message)


class UnknownFormatError(InputError):
    """No importer or profile recognises the file."""


class AmbiguousFormatError(InputError):
    """More than one importer claims the file: we refuse to guess."""


class ProfileError(AnalyzerError):
    """A carrier profile (TOML) is invalid."""


class ConfigError(AnalyzerError):
    """analyzer.toml is invalid."""


class DatabaseError(AnalyzerError):
    """The database cannot be opened or used."""


class DatabaseLockedError(DatabaseError):
    """Another process holds the database file."""

    exit_code = EXIT_LOCKED


class SchemaVersionError(DatabaseError):
    """The database was written by a newer version of the tool."""


class ForeignDatabaseError(DatabaseError):
    """The --db file belongs to another tool (or is not a DuckDB file): it is left untouched."""


class OutputClashError(AnalyzerError):
    """An output path is the database, its write-ahead log or an input file."""

    exit_code = EXIT_USAGE


class Interrupted(KeyboardInterrupt):
    """Ctrl-C: the run stops; what was being written is rolled back, what was saved stays."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, message: str = "interrupted") -> None:
        super().__init__(message)
        self.message = message


_INTERRUPTED = threading.Event()


def interrupt_requested() -> bool:
    """True once Ctrl-C has been pressed inside ``catching_interrupts``."""
    return _INTERRUPTED.is_set()


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is (or was caused by) Ctrl-C, however DuckDB or a child reported it."""
    import duckdb

    return _INTERRUPTED.is_set() or isinstance(exc, KeyboardInterrupt | duckdb.InterruptException)


@contextmanager
def catching_interrupts() -> Iterator[None]:
    """Remember Ctrl-C while still raising KeyboardInterrupt as Python does.

    DuckDB turns a KeyboardInterrupt raised inside a query into its own exception types, and a
    child process (the PDF reader) dies of the same signal: the flag lets the importer tell an
    interrupt from a failed file whatever shape it arrives in.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def remember(signum: int, frame: object) -> None:
        _INTERRUPTED.set()
        raise KeyboardInterrupt

    _INTERRUPTED.clear()
    previous = signal.signal(signal.SIGINT, remember)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# Characters that must never reach a terminal raw: C0 and C1 controls, DEL, and the
# bidirectional overrides and isolates that reorder what is shown.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def shown(name: object) -> str:
    """A user-controlled name (a path, a file or sheet name) safe to print on one line.

    Controls, DEL, bidi overrides and unpaired surrogates are written as Python escapes
    (``\\n``, ``\\x1b``, ``\\u202e``), a byte of a file name that is not UTF-8 as ``\\xff``
    (as the sources table keeps it: ``paths.path_text``); a backslash is doubled only when the
    name needed escaping, so ordinary Windows-style names read as they are.
    """
    text = str(name)
    if not any(_unsafe(ch) for ch in text):
        return text
    return "".join(_escape(ch) for ch in text)


def _unsafe(ch: str) -> bool:
    code = ord(ch)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or ch in _BIDI
        or 0xD800 <= code <= 0xDFFF
        or unicodedata.category(ch) in ("Zl", "Zp")
    )


def _escape(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    if 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
        return f"\\x{ord(ch) - 0xDC00:02x}"
    return repr(ch)[1:-1] if _unsafe(ch) else ch


def bug_log_dir() -> Path:
    """Where tracebacks of unexpected errors go: $XDG_STATE_HOME/usage-analyzer."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(state) / "usage-analyzer"


def log_bug(exc: BaseException, path: Path) -> Path | None:
    """Append the traceback of an unexpected error to errors.log; return the log's path."""
    import tempfile
    import traceback
    from datetime import datetime

    entry = (
        f"--- {datetime.now().isoformat(timespec='seconds')} while importing {str(path)!r}\n"
        + "".join(traceback.format_exception(exc))
    )
    for folder in (bug_log_dir(), Path(tempfile.gettempdir()) / "usage-analyzer"):
        log = folder / "errors.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as handle:
                handle.write(entry)
            return log
        except OSError:
            continue
    return None
