"""PDF text backends compared: pages per second and whether the layouts cut the same rows.

    python bench/bench_pdf.py FILE.pdf [FILE.pdf ...]

For each file: pypdfium2 text, pdfplumber ``extract_text`` and ``extract_words`` (pages closed
as read), then the layout's line cutting applied to both texts (same rows or not), and the
end-to-end import through the child process. The layout is a built-in one or a profile in a
``profiles/`` folder beside the file, as for an import (bench/make_corpus.py puts one there).
"""

from __future__ import annotations

import sys
from pathlib import Path
from time import perf_counter

from analyzer.importers import BUILT_IN, Importer, identify
from analyzer.importers.base import ImportOptions
from analyzer.importers.pdf_text import cut_page
from analyzer.importing import with_profiles


def layout_of(path: Path) -> Importer:
    """The layout that reads ``path``: built in, or a profile beside it."""
    return identify(path, with_profiles(BUILT_IN, [path]))


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
    """Whether the file's layout cuts the same rows from pypdfium2 and pdfplumber text."""
    layout = layout_of(path)
    return rows(layout, pdfium_pages(path)) == rows(layout, plumber_pages(path))


def main() -> None:
    for name in sys.argv[1:]:
        path = Path(name)
        layout = layout_of(path)
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
