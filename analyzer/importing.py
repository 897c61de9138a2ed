"""Import files and folders: one transaction per file, one bad file never stops the rest.

A file already imported (the same sha256) is passed over before any importer or profile is
loaded: re-running on an unchanged folder reads each file once to hash it, and nothing else.
So is a file of a folder that nothing recognised, while the file, the analyzer and the profiles
in effect are those it was judged by (``Verdicts``).
"""

from __future__ import annotations

import csv
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analyzer.errors import (
    AnalyzerError,
    DatabaseError,
    InputError,
    Interrupted,
    UnknownFormatError,
    catching_interrupts,
    is_interrupt,
    log_bug,
    shown,
)
from analyzer.store import known_source, record_failure, save_extracted, sha256_of
from analyzer.unrecognised import Verdicts, record_unrecognised

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from analyzer.importers import Importer, ImportOptions
    from analyzer.importers.base import Extracted

# The file types a folder import looks at; anything else in the folder is not a bill.
BILL_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".pdf")

NOT_A_FILE = "it is not a regular file (a folder, pipe or device)"
EMPTY = "the file is empty (0 bytes)"
BROKEN_LINK = "it is a symbolic link that leads nowhere (or back to itself)"
AGAIN = "download or export it again"


@dataclass(frozen=True)
class FileResult:
    """What happened to one file."""

    path: Path
    status: str  # imported | partial | skipped | failed | unrecognised
    importer: str | None = None
    events: int = 0
    rejects: int = 0
    reason: str | None = None
    warnings: tuple[str, ...] = ()  # a draft profile's guesses, fields empty in every row


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Bill files under ``paths`` (recursively, sorted), and the paths that cannot be read.

    Hidden files and folders are passed over; symbolic links to folders are not followed,
    so a link loop cannot trap the walk.
    """
    found: list[Path] = []
    problems: list[FileResult] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(
                path,
                onerror=lambda e: problems.append(
                    FileResult(
                        Path(e.filename), "failed", reason=f"cannot list this folder: {e.strerror}"
                    )
                ),
            ):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    candidate = Path(root) / name
                    if name.startswith(".") or candidate.suffix.lower() not in BILL_SUFFIXES:
                        continue
                    found.append(candidate)
        elif path.exists():
            found.append(path)
        else:
            problems.append(FileResult(path, "failed", reason="no such file or folder"))
    return found, problems


def import_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    *,
    importers: Sequence[Importer] | None = None,
    options: ImportOptions | None = None,
    progress: Callable[[Path], None] | None = None,
    profiles: Sequence[Path] = (),
) -> list[FileResult]:
    """Import every bill under ``paths``; return one result per file, in order.

    Profiles beside the bills, in the user's folder and in ``profiles`` join ``importers``
    (default: the built-in ones); they are loaded when the first new file needs them (at once
    when ``profiles`` names folders).
    """
    files, results = discover(paths)
    # realpath, not resolve(): resolve() raises on a symbolic link loop.
    named = {os.path.realpath(p) for p in paths if not p.is_dir()}
    loaded: list[Importer] = []
    # Own importers cannot be fingerprinted; a password may change what a PDF reads as.
    judged_alike = importers is None and not (options and options.password)
    verdicts = Verdicts(con, paths, profiles, options) if judged_alike else None
    # Files imported before this call, looked up once (not once per file).
    imported = {
        sha256
        for sha256, status in con.execute("SELECT sha256, status FROM sources").fetchall()
        if status != "failed"
    }

    def needed() -> list[Importer]:
        if not loaded:
            if verdicts is not None:
                verdicts.fingerprint()
            from analyzer.importers import BUILT_IN

            loaded.extend(
                with_profiles(BUILT_IN if importers is None else importers, paths, profiles)
            )
        return loaded

    if profiles:  # folders named on the command line are checked at once
        needed()

    def prepared(path: Path) -> FileResult | NewFile:
        explicit = os.path.realpath(path) in named
        return new_file(
            con, path, needed, options, explicit=explicit, imported=imported, verdicts=verdicts
        )

    reading = _ReadAhead(con, prepared, verdicts)
    try:
        with catching_interrupts():
            for index, path in enumerate(files):
                if progress:
                    progress(path)
                following = files[index + 1] if index + 1 < len(files) else None
                try:
                    results.append(reading.import_file(path, following))
                except (Exception, KeyboardInterrupt) as exc:
                    stop = _stopped(exc, path, results)
                    if stop is None:
                        raise
                    raise stop from exc
    finally:
        reading.close()
        _stop_early_readers()
    unrecognised = {r.path: r.reason or "" for r in results if r.status == "unrecognised"}
    record_unrecognised(con, files, unrecognised, verdicts.basis if verdicts else None)
    return results


def _stop_early_readers() -> None:
    """Stop a reader started on a file no importer asked to read (its process and its folder
    would wait for the next file, or the interpreter's end). A run that read no file new to it
    started none, and loads no reader module to say so."""
    for name in ("analyzer.importers.pdf_reading", "analyzer.importers.sheet_process"):
        module = sys.modules.get(name)
        if module is not None:
            module.discard_early()


# Files up to this size are read one ahead: while a file's events are saved, a thread reads the
# next file's (DuckDB lets go of Python's lock while it plans and runs a query). Extracting a
# larger file may hold hundreds of megabytes, so it is read alone.
AHEAD_BYTES = 8 << 20


class _ReadAhead:
    """Import a folder's files in order, reading the next small file while one is saved.

    The thread only reads (into the extraction's private database): every file is saved, or
    its failure recorded, in its turn by the caller's thread, as when the files are imported
    one by one. 100 bills of a few dozen rows: a fifth less time.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        prepared: Callable[[Path], FileResult | NewFile],
        verdicts: Verdicts | None,
    ) -> None:
        self.con = con
        self.prepared = prepared
        self.verdicts = verdicts
        self.pool: ThreadPoolExecutor | None = None  # made when a file is first read ahead
        self.ahead: tuple[Path, FileResult | NewFile, Future[Extraction] | None] | None = None
        self.saved: set[str] = set()  # the files imported so far, by sha256

    def import_file(self, path: Path, following: Path | None) -> FileResult:
        """Import ``path`` (``following`` is the file after it, if any)."""
        if self.ahead is not None and self.ahead[0] == path:
            _, new, reading = self.ahead
            self.ahead = None
        else:
            new, reading = self.prepared(path), None
        if isinstance(new, FileResult):
            return new
        extraction = reading.result() if reading is not None else extract(new)
        if following is not None and _small(path) and _small(following):
            upcoming = self.prepared(following)
            started = self._read(upcoming) if isinstance(upcoming, NewFile) else None
            self.ahead = (following, upcoming, started)
        if new.sha256 in self.saved:  # the same file twice, read before the first was saved
            extraction.discard()
            return FileResult(path, "skipped", reason="already imported")
        result = save_new(self.con, new, extraction, self.verdicts)
        if result.status in ("imported", "partial"):
            self.saved.add(new.sha256)
        return result

    def _read(self, new: NewFile) -> Future[Extraction]:
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(1, thread_name_prefix="analyzer-read")
        return self.pool.submit(extract, new)

    def close(self) -> None:
        """Stop the thread; a file read ahead that will not be saved is let go of."""
        if self.ahead is not None and self.ahead[2] is not None:
            self.ahead[2].add_done_callback(
                lambda done: done.cancelled() or done.result().discard()
            )
        self.ahead = None
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)


def _small(path: Path) -> bool:
    try:
        return path.stat().st_size <= AHEAD_BYTES
    except OSError:
        return False


def _stopped(exc: BaseException, path: Path, results: list[FileResult]) -> BaseException | None:
    """What to say when Ctrl-C or a database that cannot be written (a full disk) stops a
    folder; None for any other error, which goes on as it is."""
    if is_interrupt(exc):
        saved = sum(r.status in ("imported", "partial") for r in results)
        return Interrupted(
            f"nothing of {shown(path.name)} was saved; the {saved} file(s) imported "
            "before it are kept: run the same command again to import the rest"
        )
    if not _is_write_failure(exc):
        return None
    return DatabaseError(
        f"could not write {shown(path.name)} to the database "
        f"({str(exc).splitlines()[0]}); nothing of this file was saved: "
        "free some disk space and run the import again"
    )


def with_profiles(
    importers: Sequence[Importer], paths: Sequence[Path], extra: Sequence[Path] = ()
) -> list[Importer]:
    """The importers plus every TOML profile that applies to these bills."""
    from analyzer.importers.profile_files import load_profiles, profile_dirs

    found = load_profiles(profile_dirs(paths, extra), taken=[i.name for i in importers])
    return [*importers, *found]


@dataclass(frozen=True)
class NewFile:
    """A file to import: readable, and not imported before."""

    path: Path
    sha256: str
    importers: Sequence[Importer]
    options: ImportOptions
    explicit: bool


@dataclass
class Extraction:
    """What reading a new file gave: its importer, once identified, and its events; or the
    error that stopped it, raised again where the file is saved (in its turn)."""

    importer: Importer | None = None
    extracted: Extracted | None = None
    error: BaseException | None = None

    def discard(self) -> None:
        """Free the events of a file that will not be saved."""
        if self.extracted is not None:
            self.extracted.close()
            self.extracted = None


def new_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    importers: Sequence[Importer] | Callable[[], Sequence[Importer]],
    options: ImportOptions | None = None,
    *,
    explicit: bool = True,
    imported: set[str] | frozenset[str] = frozenset(),
    verdicts: Verdicts | None = None,
) -> FileResult | NewFile:
    """The file to read, or its result when it is not to be read (unreadable, known, or
    unrecognised before and unchanged since). A file is then read (``extract``) and saved
    all-or-nothing (``save_new``).

    ``importers`` may be a function that loads them: it is called only for a new file.
    ``imported`` holds sha256s known to be imported already (no query needed for those).
    ``verdicts`` gives a file found in a folder its earlier 'unrecognised' when it still holds.
    """
    checked = _checked(con, path, imported)
    if isinstance(checked, FileResult):
        return checked
    if verdicts is not None and not explicit:
        reason = verdicts.recall(path, checked)
        if reason is not None:
            return FileResult(path, "unrecognised", reason=reason)
    from analyzer.importers import ImportOptions, pdf_reading, sheet_process

    options = options or ImportOptions()
    # A PDF's text, or a workbook's first sheet, is read while the importers load.
    pdf_reading.start_reading(path, options.password)
    sheet_process.start_reading(path)
    loaded = importers() if callable(importers) else importers
    return NewFile(path, checked, tuple(loaded), options, explicit)


def _checked(
    con: duckdb.DuckDBPyConnection, path: Path, imported: set[str] | frozenset[str]
) -> FileResult | str:
    """The file's sha256 when it is to be imported, else its result (unreadable, or known)."""
    try:
        if path.is_symlink() and not path.exists():
            return FileResult(path, "failed", reason=str(InputError(path, BROKEN_LINK)))
        if not path.is_file():
            # A FIFO or device would block or never end; a folder is not a bill.
            return FileResult(path, "failed", reason=str(InputError(path, NOT_A_FILE)))
        if path.stat().st_size == 0:
            return FileResult(path, "failed", reason=str(InputError(path, EMPTY, hint=AGAIN)))
        sha256 = sha256_of(path)
    except OSError as exc:
        return FileResult(path, "failed", reason=f"cannot read the file: {exc.strerror}")
    if sha256 in imported:
        return FileResult(path, "skipped", reason="already imported")
    known = known_source(con, sha256)
    if known and known[1] != "failed":
        return FileResult(path, "skipped", reason="already imported")
    return sha256


def extract(new: NewFile) -> Extraction:
    """Identify and read a new file (touching only the extraction's private database, so that
    it may run in a thread while another file is saved); never raises."""
    from analyzer.importers import identify
    from analyzer.importers.pdf_reading import pdf_password
    from analyzer.importers.profile_warnings import profile_warnings

    extraction = Extraction()
    try:
        with pdf_password(new.options.password):
            extraction.importer = identify(new.path, new.importers)
        extraction.extracted = extraction.importer.extract(new.path, new.options)
        warnings = profile_warnings(extraction.importer, extraction.extracted)
        extraction.extracted.detail["warnings"] = warnings
    except BaseException as exc:  # Ctrl-C too: raised again where the file is saved
        extraction.discard()
        extraction.error = exc
    return extraction


def save_new(
    con: duckdb.DuckDBPyConnection,
    new: NewFile,
    extraction: Extraction,
    verdicts: Verdicts | None = None,
) -> FileResult:
    """Save what was read of a new file in one transaction, or record why it failed."""
    result = _saved(con, new, extraction)
    if verdicts is not None and result.status == "unrecognised":
        verdicts.judged(new.path, new.sha256)
    return result


def _saved(con: duckdb.DuckDBPyConnection, new: NewFile, extraction: Extraction) -> FileResult:
    path, sha256 = new.path, new.sha256
    file_format = path.suffix.lower().lstrip(".") or "unknown"
    importer = extraction.importer
    try:
        counts, warnings = _store(con, new, extraction, file_format)
    except UnknownFormatError as exc:
        if is_interrupt(exc):
            raise
        if not new.explicit:
            return FileResult(path, "unrecognised", reason=str(exc))
        record_failure(con, path, sha256, file_format, None, str(exc))
        return FileResult(path, "failed", reason=str(exc))
    except AnalyzerError as exc:
        if is_interrupt(exc):
            raise  # a child killed by Ctrl-C, not a bad file
        record_failure(con, path, sha256, file_format, importer and importer.name, str(exc))
        return FileResult(path, "failed", importer and importer.name, reason=str(exc))
    except csv.Error as exc:  # Python's CSV reader refusing the input is a fault of the file
        if is_interrupt(exc):
            raise
        message = str(
            InputError(
                path,
                f"the CSV reader refused it ({exc})",
                hint="a cell over 128 KB or a stray quote or NUL byte; export it again",
            )
        )
        record_failure(con, path, sha256, file_format, importer and importer.name, message)
        return FileResult(path, "failed", importer and importer.name, reason=message)
    except Exception as exc:  # a bug: keep going with the other files, but say so loudly
        if is_interrupt(exc) or _is_write_failure(exc):
            raise
        detail = "".join(traceback.format_exception_only(exc)).strip().splitlines()[0]
        log = log_bug(exc, path)
        where = f"the details are in {shown(log)}" if log else "no log could be written"
        message = str(
            InputError(
                path,
                f"unexpected error ({detail})",
                hint=f"this is a bug: please report it ({where})",
            )
        )
        record_failure(con, path, sha256, file_format, importer and importer.name, message)
        return FileResult(path, "failed", importer and importer.name, reason=message)
    status = "partial" if counts["rejects"] else "imported"
    assert importer is not None
    return FileResult(
        path, status, importer.name, counts["events"], counts["rejects"], None, warnings
    )


def _store(
    con: duckdb.DuckDBPyConnection, new: NewFile, extraction: Extraction, file_format: str
) -> tuple[dict[str, int], tuple[str, ...]]:
    """Save the events read (their counts, and the profile's warnings), or raise the error that
    stopped reading them."""
    try:
        if extraction.error is not None:
            raise extraction.error
        importer, extracted = extraction.importer, extraction.extracted
        assert importer is not None and extracted is not None
        counts = save_extracted(con, new.path, new.sha256, file_format, importer.name, extracted)
        return counts, tuple(extracted.detail["warnings"])  # type: ignore[arg-type]
    finally:
        extraction.discard()


def _is_write_failure(exc: BaseException) -> bool:
    """The disk is full or the database file cannot grow: stop, the other files would fail too."""
    import errno

    if isinstance(exc, duckdb.IOException | duckdb.OutOfMemoryException):
        return True
    if isinstance(exc, duckdb.Error):
        return bool(re.search(r"could not write|no space left|file too large", str(exc), re.I))
    return isinstance(exc, OSError) and exc.errno in (
        errno.ENOSPC,
        errno.EFBIG,
        errno.EDQUOT,
        errno.EROFS,
    )
