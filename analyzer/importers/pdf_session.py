"""The PDF reader's child process for one file's identify and import (run as a script, alone).

``python pdf_session.py MEMORY_BYTES``: like ``pdf_text.py`` (whose reading and cutting it
uses), but one process serves both steps of a file: the parent asks for the first page to
identify the file, and the reader goes on reading the other pages' text while the parent
chooses the layout and sends the request to cut them by. One process start is saved, and
the text is read while the parent works.
"""

from __future__ import annotations

import json
import sys
import threading
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


def serve() -> dict[str, Any] | None:
    """One file for identify and import in one process: the first line on stdin opens the
    file (path, password, page limit), the first page's text is said at once, the other pages
    are read in a thread from then on, and the next line is the request to cut them by (an
    empty line or the end of input: the file was not wanted). The final result is returned.

    PDFium runs without the interpreter lock, so the pages are read while the parent chooses
    the layout, and then while the lines of those already read are cut.
    """
    opening = json.loads(sys.stdin.buffer.readline() or b"null")
    if not opening:
        return None
    opened = open_document(opening)
    if isinstance(opened, dict):
        return opened
    document, pages = opened
    texts = PageTexts(document, pages)
    try:
        say({"first_page": texts.read_first(), "pages": pages})
        texts.start()
        line = sys.stdin.buffer.readline()
        if not line.strip():
            return None
        return read_document(document, pages, {**json.loads(line), **opening}, texts.take)
    except MemoryError:
        raise
    except Exception as exc:  # pypdfium2's errors for a damaged page
        return {"error": MALFORMED, "detail": str(exc)}
    finally:
        texts.stop()
        document.close()


class PageTexts:
    """The pages' texts, read in order by a thread of their own (the only one using PDFium
    until it stops); a failure is raised where its page is asked for."""

    def __init__(self, document: Any, pages: int) -> None:
        self.document, self.pages = document, pages
        self.texts: dict[int, str] = {}
        self.failure: BaseException | None = None
        self.stopping = False
        self.threaded = True
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, name="pages", daemon=True)

    def read_first(self) -> str:
        """The first page's text, read at once (before the thread starts)."""
        first = page_text(self.document, 0) if self.pages else ""
        self.texts[0] = first
        return first

    def start(self) -> None:
        try:
            self.thread.start()
        except RuntimeError:  # no room for a thread's stack under a tight memory limit
            self.threaded = False

    def take(self, index: int) -> str:
        """Page ``index``'s text, once it is read (each page is asked for once)."""
        if not self.threaded:
            return self.texts.pop(index) if index in self.texts else page_text(self.document, index)
        with self.changed:
            while index not in self.texts and self.failure is None:
                self.changed.wait()
            if index in self.texts:
                return self.texts.pop(index)
            raise self.failure  # type: ignore[misc]

    def stop(self) -> None:
        """Stop reading (after the page being read), so the document can be closed."""
        self.stopping = True
        if self.thread.is_alive():
            self.thread.join()

    def _read(self) -> None:
        for index in range(1, self.pages):
            if self.stopping:
                return
            try:
                text = page_text(self.document, index)
            except BaseException as exc:  # given to the reader of that page
                with self.changed:
                    self.failure = exc
                    self.changed.notify_all()
                return
            with self.changed:
                self.texts[index] = text
                self.changed.notify_all()


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
