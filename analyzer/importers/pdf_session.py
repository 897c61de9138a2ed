"""The PDF reader's child process for one file's identify and import (run as a script, alone).

``python pdf_session.py MEMORY_BYTES``: like ``pdf_text.py`` (whose reading and cutting it
uses), but one process serves both steps of a file: the parent asks for the first page to
identify the file, and the reader goes on reading the other pages' text while the parent
chooses the layout and sends the request to cut them by. One process start is saved, and
the text is read while the parent works.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pdf_text import (
    MALFORMED,
    OUT_OF_MEMORY,
    limit_memory,
    open_document,
    page_text,
    read_document,
    say,
)


def serve(stdin: int = 0) -> dict[str, Any] | None:
    """One file for identify and import in one process: the first line on ``stdin`` opens the
    file (path, password, page limit), the first page's text is said at once, the other pages
    are read while the parent decides, and the next line is the request to cut them by (an
    empty line or the end of input: the file was not wanted). The final result is returned."""
    lines = _Lines(stdin)
    opening = json.loads(lines.line() or "null")
    if not opening:
        return None
    opened = open_document(opening)
    if isinstance(opened, dict):
        return opened
    document, pages = opened
    try:
        texts = {0: page_text(document, 0)} if pages else {}
        say({"first_page": texts.get(0, ""), "pages": pages})
        for index in range(1, pages):
            if lines.waiting():
                break
            texts[index] = page_text(document, index)
        line = lines.line()
        if not line.strip():
            return None
        return read_document(document, pages, {**json.loads(line), **opening}, texts)
    except Exception as exc:  # pypdfium2's errors for a damaged page
        return {"error": MALFORMED, "detail": str(exc)}
    finally:
        document.close()


class _Lines:
    """Lines from a file descriptor, unbuffered, so that one can ask whether one is waiting."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer, self.ended = fd, b"", False

    def waiting(self) -> bool:
        import select

        return b"\n" in self.buffer or self.ended or bool(select.select([self.fd], [], [], 0)[0])

    def line(self) -> str:
        while b"\n" not in self.buffer and not self.ended:
            block = os.read(self.fd, 1 << 16)
            self.ended = not block
            self.buffer += block
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()


def main() -> None:
    """Cap memory, serve the file, write the final result (errors are results)."""
    limit_memory()
    try:
        result = serve()
    except MemoryError:
        result = {"error": OUT_OF_MEMORY}
    if result is not None:
        say(result)


if __name__ == "__main__":
    main()
