"""The PDF reader process kept from a file's identify to its import (one file at a time).

identify() needs the first page's text and the import all of it: one child process
(``pdf_session.py``) serves both, and reads the other pages while the parent chooses the
layout. A process not taken by an import (the file was not recognised, or another file comes
next) is stopped; so is any left when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

# What the parent's result reading takes: the line written, the exit status (None: too slow)
# and what the process wrote on stderr.
Outcome = tuple[bytes, int | None, bytes]


class Limits(Protocol):
    seconds: float
    memory_bytes: int
    pages: int


def file_key(path: Path) -> tuple[Path, int, int]:
    """One version of one file."""
    stat = path.stat()
    return path.resolve(), stat.st_mtime_ns, stat.st_size


class Session:
    """One reader process for one file version, password and limits."""

    def __init__(self, script: Path, path: Path, limits: Limits, password: str | None) -> None:
        self.key = file_key(path)
        self.password = password
        self.limits = (limits.memory_bytes, limits.pages)
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.process = subprocess.Popen(
            [sys.executable, str(script), str(limits.memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        opening = {"path": str(path), "password": password, "max_pages": limits.pages}
        self._send(opening)
        self._buffer = b""
        self._first: Outcome | None = None

    def fits(self, key: tuple[Path, int, int], password: str | None, limits: Limits) -> bool:
        """Whether this process reads that file version as an import with these would."""
        wanted = (limits.memory_bytes, limits.pages)
        return (self.key, self.password, self.limits) == (key, password, wanted)

    def first_page(self, seconds: float) -> Outcome:
        """The first page's result, as the process said it (read once, then kept)."""
        if self._first is None:
            self._first = self._line(seconds)
        return self._first

    def finish(self, request: Mapping[str, Any], seconds: float) -> Outcome:
        """Send the request to cut the pages by; the final result. The process then ends."""
        first = self.first_page(seconds)
        if first[1] != 0 or "error" in json.loads(first[0]):
            self.close()
            return first
        with contextlib.suppress(OSError):  # a process that died is reported below
            self._send(request)
            if self.process.stdin:
                self.process.stdin.close()
        outcome = self._line(seconds)
        self.close()
        return outcome

    def close(self) -> None:
        """Stop the process (it has said all it will be asked) and free its pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self._stderr):
            with contextlib.suppress(OSError):
                if stream:
                    stream.close()

    def _send(self, message: Mapping[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def _line(self, seconds: float) -> Outcome:
        """The next line the process writes, within ``seconds``; else how it ended."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + seconds
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.close()
                return b"", None, b""
            block = os.read(fd, 1 << 20)
            if not block:
                break
            self._buffer += block
        line, newline, self._buffer = self._buffer.partition(b"\n")
        if newline:
            return line, 0, b""
        code = self.process.wait()
        self._stderr.seek(0)
        return line, code or 1, self._stderr.read()


class Sessions:
    """At most one reader process waiting for its import."""

    def __init__(self, script: Path) -> None:
        self.script = script
        self.current: Session | None = None
        atexit.register(self.discard)

    def start(self, path: Path, limits: Limits, password: str | None) -> Session:
        """The process reading ``path`` (started now unless one already is)."""
        current = self.current
        if current is not None and current.fits(file_key(path), password, limits):
            return current
        self.discard()
        self.current = Session(self.script, path, limits, password)
        return self.current

    def take(self, path: Path, password: str | None, limits: Limits) -> Session | None:
        """The waiting process, if it reads this file as asked (any other is stopped)."""
        current, self.current = self.current, None
        if current is None:
            return None
        if current.fits(file_key(path), password, limits):
            return current
        current.close()
        return None

    def discard(self) -> None:
        """Stop the waiting process, if any."""
        current, self.current = self.current, None
        if current is not None:
            current.close()
