"""Running the PDF reader's child process with its limits, and its failures as messages.

Text comes from pypdfium2, page by page, in a child process (``pdf_text.py``) with a time, a
memory and a page limit: a hostile PDF costs one failed file, never the whole run. The parent
checks the commonest bad files itself first (empty, not a PDF, truncated), so that they get the
plainest messages, and reads each file's first page once for every layout's identify().
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.importers import pdf_text
from analyzer.importers.pdf_sessions import Sessions

GIB = 1 << 30

# The password for the current import, so that identify() can read an encrypted first page.
_PASSWORD: ContextVar[str | None] = ContextVar("pdf_password", default=None)


@contextlib.contextmanager
def pdf_password(password: str | None) -> Iterator[None]:
    """Make ``password`` available to PDF layouts' identify() for the duration of one import."""
    token = _PASSWORD.set(password)
    try:
        yield
    finally:
        _PASSWORD.reset(token)


@dataclass(frozen=True)
class PdfLimits:
    """What one PDF may cost: wall-clock seconds, address space, pages."""

    seconds: float = 60.0
    memory_bytes: int = 2 * GIB
    pages: int = 2000


def _check_file(path: Path) -> None:
    """Cheap checks in the parent, so the commonest bad files get the plainest messages."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(1024)
            handle.seek(max(0, size - 2048))
            tail = handle.read()
    except OSError as exc:
        raise InputError(path, f"cannot open it ({exc.strerror})") from exc
    if size == 0:
        raise InputError(path, "the file is empty (0 bytes)", hint="download or export it again")
    if b"%PDF-" not in head:
        raise InputError(
            path,
            "it is not a PDF (it does not start with %PDF-)",
            hint="check it is the file you meant",
        )
    if b"%%EOF" not in tail:
        raise InputError(
            path, "it is truncated (no end-of-file marker)", hint="download or export it again"
        )


def read_pdf(
    path: Path,
    limits: PdfLimits,
    password: str | None,
    request: Mapping[str, Any],
    *,
    first_page_only: bool = False,
) -> dict[str, Any]:
    """Run the child process on ``path``; its failures become InputErrors that say what to do.

    The process that read the file's first page for identify (see :func:`first_page_text`)
    reads the rest, if it was started with the same password and limits.
    """
    _check_file(path)
    session = None if first_page_only else _SESSIONS.take(path, password, limits)
    if session is not None:
        return _result(path, limits, *session.finish(request, limits.seconds))
    payload = {
        **request,
        "path": str(path),
        "password": password,
        "max_pages": limits.pages,
        "first_page_only": first_page_only,
    }
    script = Path(pdf_text.__file__)
    try:
        done = subprocess.run(
            [sys.executable, str(script), str(limits.memory_bytes)],
            input=json.dumps(payload).encode(),
            capture_output=True,
            timeout=limits.seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise _too_slow(path, limits) from exc
    return _result(path, limits, done.stdout, done.returncode, done.stderr)


def _too_slow(path: Path, limits: PdfLimits) -> InputError:
    return InputError(
        path,
        f"reading it took longer than the {limits.seconds:g} s time limit",
        hint="the PDF may be malformed or far too large; export a smaller one",
    )


def _result(
    path: Path, limits: PdfLimits, stdout: bytes, returncode: int | None, stderr: bytes
) -> dict[str, Any]:
    """The child's result, or the InputError that says what went wrong."""
    if returncode is None:
        raise _too_slow(path, limits)
    if returncode != 0:
        # PDFium aborts when an allocation fails under RLIMIT_AS; the kernel's OOM killer kills.
        out_of_memory = (-signal.SIGABRT, -signal.SIGKILL)
        if returncode in out_of_memory or b"MemoryError" in stderr:
            raise _out_of_memory(path, limits)
        raise InputError(
            path,
            f"the PDF reader failed (exit {returncode})",
            hint="the file may be malformed; download or export it again",
        )
    result = json.loads(stdout)
    error = result.get("error")
    if error == pdf_text.ENCRYPTED:
        raise InputError(
            path, "it is encrypted", hint="pass --password or export it again without one"
        )
    if error == pdf_text.BAD_PASSWORD:
        raise InputError(
            path, "the password does not open it", hint="check the password and try again"
        )
    if error == pdf_text.TOO_MANY_PAGES:
        raise InputError(
            path,
            f"it has {result['detail']} pages, more than the limit of {limits.pages}",
            hint="split it, or raise the page limit ([limits] pages in a profile)",
        )
    if error == pdf_text.OUT_OF_MEMORY:
        raise _out_of_memory(path, limits)
    if error == pdf_text.MALFORMED:
        raise InputError(
            path,
            f"it is damaged or not a valid PDF ({result.get('detail', 'unreadable')})",
            hint="download or export it again",
        )
    return result


def _out_of_memory(path: Path, limits: PdfLimits) -> InputError:
    return InputError(
        path,
        f"reading it needed more than the {_size(limits.memory_bytes)} memory limit",
        hint="the PDF may be a decompression bomb; export the bill again",
    )


_FIRST_PAGES: dict[tuple[Path, int, int], str] = {}


def _size(count: int) -> str:
    return f"{count / GIB:g} GiB" if count >= GIB else f"{count / (1 << 20):g} MiB"


def first_page_text(path: Path, limits: PdfLimits = PdfLimits()) -> str:
    """The first page's text, read in the child process once per file version.

    Every PDF layout's identify() asks for it, so it is cached (the password never is). The
    process that reads it stays to read the other pages, for the import that follows.
    """
    stat = path.stat()
    key = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    if key not in _FIRST_PAGES:
        if len(_FIRST_PAGES) > 64:
            _FIRST_PAGES.clear()
        _check_file(path)
        session = _SESSIONS.start(path, limits, _PASSWORD.get())
        try:
            result = _result(path, limits, *session.first_page(limits.seconds))
        except InputError:
            _SESSIONS.discard()
            raise
        _FIRST_PAGES[key] = result["first_page"]
    return _FIRST_PAGES[key]


def start_reading(path: Path, password: str | None = None) -> None:
    """Start reading a PDF's text in the background (a file about to be imported), so that
    identify and import find it read; nothing happens for a file that is not a readable PDF."""
    if path.suffix.lower() == ".pdf":
        with contextlib.suppress(InputError, OSError):
            _check_file(path)
            _SESSIONS.start(path, PdfLimits(), password)


def discard_early() -> None:
    """Stop a reader started on a file that no import took."""
    _SESSIONS.discard()


_SESSIONS = Sessions(Path(pdf_text.__file__).with_name("pdf_session.py"))
