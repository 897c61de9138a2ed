"""The workbook reader's child process (``sheet_reader``), from its start to its results.

A process reads one sheet, and the workbook's small sheets after it, into a folder of its own,
with memory and time limits; its failures become the messages that say what to do. The parent
may start one on a workbook about to be imported (:func:`start_reading`) before it loads the
importers, which takes a few tenths of a second: the sheet is then read meanwhile.

This module imports nothing heavy, so that the early start comes early.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, Protocol

from analyzer.duck import temp_prefix
from analyzer.errors import InputError
from analyzer.importers import sheet_reader
from analyzer.importers.workbook_checks import _RESAVE
from analyzer.paths import native_path

SHEET_SECONDS = 60.0
SHEET_MEMORY_BYTES = 2 << 30
SMALL_SHEET_BYTES = 1 << 20  # other sheets up to this much XML come with the first read
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

# One version of one file: its path, modification time and size.
Version = tuple[Path, float, int]


class Scan(Protocol):
    """What the reader needs of the workbook's checks (``workbook_checks.WorkbookScan``)."""

    errors: Any
    merges: Any


def version_of(path: Path) -> Version:
    stat = path.stat()
    return (path, stat.st_mtime, stat.st_size)


class SheetProcess:
    """A reader process reading one sheet (and the small sheets after it) into a folder of
    its own; closing it stops the process and removes the folder."""

    def __init__(self, path: Path, sheet: str | None, pattern: str | None, merged: bool) -> None:
        self.path = path
        self.workdir = tempfile.TemporaryDirectory(prefix=temp_prefix("sheet"))
        self.output = Path(self.workdir.name) / "sheet.arrow"
        self.request = {
            "path": native_path(path, self.workdir.name),
            "sheet": sheet,
            "pattern": pattern,
            "merged": merged,
            "small_sheets": 0 if merged else SMALL_SHEET_BYTES,
            "output": str(self.output),
            "scan_follows": True,
        }
        self.deadline = time.monotonic() + SHEET_SECONDS
        self.command = [sys.executable, sheet_reader.__file__, str(SHEET_MEMORY_BYTES)]
        self.reader = subprocess.Popen(
            self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        with contextlib.suppress(BrokenPipeError):  # a reader that died is reported later
            assert self.reader.stdin is not None
            self.reader.stdin.write(json.dumps(self.request).encode() + b"\n")
            self.reader.stdin.flush()

    def __enter__(self) -> SheetProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.reader.returncode is None:  # refused, too slow, interrupted or not needed
            self.reader.kill()
            self.reader.communicate()
        self.workdir.cleanup()

    def results(self, check: Callable[[], Scan]) -> list[dict[str, Any]]:
        """The reader's results: the chosen sheet's (its table in ``output``), then those of
        the small sheets read after it (the reader may have failed after the chosen sheet:
        that sheet is read all the same).

        The reader reads a large sheet's body while ``check`` scans the workbook (the scan of a
        million-row sheet takes seconds); what the scan saw follows the request, and a workbook
        the scan refuses stops the reader.
        """
        scan = check()
        facts = {"errors": bool(scan.errors), "merge_parts": sorted(scan.merges)}
        left = max(self.deadline - time.monotonic(), 0.001)
        try:
            stdout, stderr = self.reader.communicate(json.dumps(facts).encode() + b"\n", left)
        except subprocess.TimeoutExpired as exc:
            raise InputError(
                self.path,
                f"reading the workbook took longer than the {SHEET_SECONDS:g} s time limit",
                hint="the workbook may be malformed or far too large; " + _RESAVE,
            ) from exc
        done = subprocess.CompletedProcess(self.command, self.reader.returncode, stdout, stderr)
        lines = done.stdout.split(b"\n")
        results = [json.loads(line) for line in lines[:-1]]  # each complete line, said when done
        if not results or "error" in results[0]:
            _refuse(self.path, self.request, done, results[0] if results else {})
        return results


# The process started on a workbook about to be imported, by file version (one at most).
_EARLY: dict[Version, SheetProcess] = {}


def start_reading(path: Path) -> None:
    """Start reading a workbook's first visible sheet (a file about to be imported), so that
    the importers load while it is read; nothing happens for a file that is not a workbook."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return
    try:
        version = version_of(path)
    except OSError:
        return
    if version not in _EARLY:
        discard_early()
        _EARLY[version] = SheetProcess(path, None, None, merged=False)


def take_early(version: Version) -> SheetProcess | None:
    """The process started early on this file version, if any (the caller closes it)."""
    return _EARLY.pop(version, None)


def discard_early() -> None:
    """Stop a process started early that no read took."""
    for version in list(_EARLY):
        process = _EARLY.pop(version, None)  # a reading thread may have taken it meanwhile
        if process is not None:
            process.close()


atexit.register(discard_early)


def _refuse(
    path: Path,
    request: dict[str, object],
    done: subprocess.CompletedProcess[bytes],
    result: dict[str, Any],
) -> NoReturn:
    """The reader's failure as the message that says what to do."""
    out_of_memory = InputError(
        path,
        f"reading the workbook needed more than the {SHEET_MEMORY_BYTES >> 30} GiB memory limit",
        hint="it may be crafted to exhaust memory (a cell far outside the data, or a huge "
        "declared table); " + _RESAVE,
    )
    error = result.get("error")
    if error is None:
        if done.returncode in (-signal.SIGABRT, -signal.SIGKILL) or b"MemoryError" in done.stderr:
            raise out_of_memory
        raise InputError(
            path, f"the spreadsheet reader failed (exit {done.returncode})", hint=_RESAVE
        )
    if error == sheet_reader.OUT_OF_MEMORY:
        raise out_of_memory
    if error in (sheet_reader.NO_SHEET, sheet_reader.NO_VISIBLE_SHEET):
        wanted = request["sheet"] or request["pattern"]
        listed = ", ".join(result.get("sheets", [])) or "none"
        what = f"no sheet matches {wanted!r}" if wanted else "it has no visible sheet"
        raise InputError(path, f"{what} (its sheets: {listed})", hint="check the sheet name")
    raise InputError(
        path, f"the spreadsheet cannot be read ({result.get('detail', '')})", hint=_RESAVE
    )
