"""PDF text backends compared: pages per second and whether the layouts cut the same rows.

    python bench/bench_pdf.py FILE.pdf [FILE.pdf ...]

For each file: pypdfium2 text, pdfplumber ``extract_text`` and ``extract_words`` (pages closed
as read), then the built-in layout's line cutting applied to both texts (same rows or not), and
the end-to-end import through the child process.
"""

from __future__ import annotations

import sys
from pathlib import Path
from time import perf_counter

from analyzer.importers import BUILT_IN, identify
from analyzer.importers.base import ImportOptions
from analyzer.importers.pdf_text import cut_page


def pdfium_pages(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    texts = []
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        textpage.close()
        page.close()
    document.close()
    return texts


def plumber_pages(path: Path, words: bool = False) -> list[str]:
    import pdfplumber

    texts = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            if words:
                texts.append(" ".join(w["text"] for w in page.extract_words()))
            else:
                texts.append(page.extract_text() or "")
            page.close()
    return texts


def rows(layout, texts: list[str]) -> dict:
    result = {"fields": {}, "rows": {}, "rejects": [], "skipped": 0, "rows_read": 0}
    context = {c.name: None for c in layout.context}
    for number, text in enumerate(texts, start=1):
        cut_page(text, number, layout.request(), context, result)
    for found in result["rows"].values():
        for row in found:
            row.pop("_row")  # line numbers differ between backends; contents must not
    return result


def same_rows(path: Path) -> bool:
    """Whether the built-in layout cuts the same rows from pypdfium2 and pdfplumber text."""
    layout = identify(path, BUILT_IN)
    return rows(layout, pdfium_pages(path)) == rows(layout, plumber_pages(path))


def main() -> None:
    for name in sys.argv[1:]:
        path = Path(name)
        layout = identify(path, BUILT_IN)
        timings = {}
        for label, read in (
            ("pypdfium2 text", pdfium_pages),
            ("pdfplumber extract_text", plumber_pages),
            ("pdfplumber extract_words", lambda p: plumber_pages(p, words=True)),
        ):
            start = perf_counter()
            texts = read(path)
            timings[label] = (perf_counter() - start, texts)
        pages = len(timings["pypdfium2 text"][1])
        print(f"{path.name}: {pages} pages")
        for label, (seconds, _) in timings.items():
            print(f"  {label:26s} {seconds * 1000:8.1f} ms  {pages / seconds:8.1f} pages/s")
        same = rows(layout, timings["pypdfium2 text"][1]) == rows(
            layout, timings["pdfplumber extract_text"][1]
        )
        print(f"  same rows from pypdfium2 and pdfplumber extract_text: {same}")
        start = perf_counter()
        extracted = layout.extract(path, ImportOptions())
        seconds = perf_counter() - start
        print(
            f"  import via {layout.name} (child process + mapping): {seconds * 1000:.0f} ms, "
            f"{pages / seconds:.1f} pages/s, {extracted.events.num_rows} events, "
            f"{extracted.rejects.num_rows} rejects"
        )


if __name__ == "__main__":
    main()
