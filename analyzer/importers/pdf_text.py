"""The child process that reads a PDF's text and cuts it into rows (run as a script, alone).

A hostile PDF can hang the reader, exhaust memory or crash it, so the parent (``pdf.py``) runs
this file with ``python pdf_text.py MEMORY_BYTES``: it caps its own address space before loading
pypdfium2, reads a JSON request on stdin, and writes a JSON result on stdout (JSON, not pickle: the
parent never unpickles what a process reading hostile input wrote). It imports
nothing from ``analyzer`` (no DuckDB, no Arrow), so it starts fast and small; the request holds
only plain regexes and names, and the result only text.

Each line of each page is tried, in order, against the context patterns (they set a named value
for the following rows, across pages), the skip patterns (headers and totals: counted, not
events), the row patterns (the row's named groups become its text columns) and the "looks like
an item" pattern (a reject). Lines that match nothing are page furniture.
"""

from __future__ import annotations

import functools
import json
import re
import resource
import sys
from collections.abc import Callable
from functools import partial
from operator import itemgetter
from typing import Any

# Error codes the parent turns into messages (see pdf.py).
ENCRYPTED = "encrypted"
BAD_PASSWORD = "bad_password"
MALFORMED = "malformed"
TOO_MANY_PAGES = "too_many_pages"
OUT_OF_MEMORY = "out_of_memory"

_PDFIUM_PASSWORD_ERROR = 4
_SPACES = re.compile(r"[ \t]+")


@functools.lru_cache(maxsize=512)
def _compile(pattern: str, fields: bool = False) -> Any:
    """RE2, as the parent validated it: linear time, so no pattern can hang the reader."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not fields
    return re2.compile(f"(?m){pattern}" if fields else pattern, options)


def _matches(when: dict[str, str], context: dict[str, str | None]) -> bool:
    return all(_fits(pattern, context.get(name) or "") for name, pattern in when.items())


def _allowed(when: dict[str, str], context: dict[str, str | None], result: dict) -> bool:
    """:func:`_matches`, remembered while the context stays the same (it changes at headings
    only, and is asked for on every line): the memo is emptied wherever it may change."""
    if not when:
        return True
    memo = result["_state"]["allowed"]
    found = memo.get(id(when))
    if found is None:
        found = memo[id(when)] = _matches(when, context)
    return found


@functools.lru_cache(maxsize=4096)
def _fits(pattern: str, value: str) -> bool:
    """Whether a context value fits a ``when`` pattern (context values repeat line after line)."""
    return bool(_compile(pattern).search(value))


class Patterns:
    """A request's context, skip and row patterns, compiled once, with one RE2 set over all of
    them: each line is scanned once to learn which patterns can match it, and only those are
    run for their groups."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.contexts = [(name, _compile(p)) for name, p in request["contexts"]]
        self.skips = [(_compile(p), when) for p, when in request["skips"]]
        self.rows = [
            (name, _compile(p), when, defaults) for name, p, when, defaults in request["rows"]
        ]
        self.item = _compile(request["item"]) if request.get("item") else None
        sources = [p for _, p in request["contexts"]] + [p for p, _ in request["skips"]]
        sources += [p for _, p, _, _ in request["rows"]]
        self.skip_base = len(self.contexts)
        self.row_base = self.skip_base + len(self.skips)
        self._set = _pattern_set(tuple(sources))
        self._everything = frozenset(range(len(sources)))

    def candidates(self, line: str) -> frozenset[int] | set[int]:
        """The indexes of the patterns that match somewhere in ``line``."""
        return self._everything if self._set is None else set(self._set.Match(line) or ())


def _named_groups(pattern: Any, line: str) -> dict[str, str | None] | None:
    """The named groups of the pattern's first match in ``line`` (None: no match).

    The same values as ``pattern.search(line).groupdict()``, read straight from RE2's byte
    spans: the wrapper's match object recomputes the group table for every group it is asked.
    """
    regexp = getattr(pattern, "_regexp", None)
    if regexp is None:
        match = pattern.search(line)
        return None if match is None else match.groupdict()
    encoded = line.encode()
    spans = regexp.Match(type(regexp).Anchor.UNANCHORED, encoded, 0, len(encoded))
    if spans[0][0] < 0:
        return None
    if len(encoded) == len(line):  # ASCII: byte offsets are character offsets
        return {
            name: line[spans[index][0] : spans[index][1]] if spans[index][0] >= 0 else None
            for name, index in _group_index(pattern)
        }
    return {
        name: encoded[spans[index][0] : spans[index][1]].decode() if spans[index][0] >= 0 else None
        for name, index in _group_index(pattern)
    }


@functools.lru_cache(maxsize=512)
def _group_index(pattern: Any) -> tuple[tuple[str, int], ...]:
    return tuple(pattern.groupindex.items())


@functools.lru_cache(maxsize=16)
def _pattern_set(sources: tuple[str, ...]) -> Any:
    """One RE2 set of every pattern; None when RE2 cannot build it (each is then tried)."""
    import re2

    if not sources:
        return None
    options = re2.Options()
    options.log_errors = False
    found = re2.Set.SearchSet(options)
    try:
        for source in sources:
            found.Add(source)
        found.Compile()
    except Exception:  # a set too large for RE2's budget: fall back to one pattern at a time
        return None
    return found


@functools.lru_cache(maxsize=16)
def _patterns(key: str) -> Patterns:
    return Patterns(json.loads(key))


def patterns_of(request: dict[str, Any]) -> Patterns:
    """The request's compiled patterns (compiled once, whichever page asks)."""
    keys = ("contexts", "skips", "rows", "item")
    return _patterns(json.dumps({k: request.get(k) for k in keys}))


def _field_value(match: Any) -> str:
    groups = match.groups()
    found = [g for g in groups if g is not None]
    return " ".join(found) if groups else match.group(0)


def cut_page(
    text: str,
    page: int,
    request: dict[str, Any],
    context: dict[str, str | None],
    result: dict[str, Any],
) -> None:
    """Cut one page's text into rows, skipped lines, rejects and statement fields."""
    patterns = patterns_of(request)
    state = result.setdefault("_state", {"last": None, "filled": {}})
    state["allowed"] = {}  # the caller may have changed the context since the last page
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _fields(text, page, request, result)
    result.setdefault("unmatched", 0)
    result.setdefault("unreadable", 0)
    trace = result.get("trace")
    for number, raw in enumerate(text.splitlines(), start=1):
        # Runs of spaces and tabs become one space (most lines have none: no regex for them).
        line = _SPACES.sub(" ", raw).strip() if "  " in raw or "\t" in raw else raw.strip()
        if not line:
            continue
        taken = _take(line, page, number, patterns, context, result, request)
        if trace is not None:
            trace.append((page, number, line, taken, dict(context)))


def _take(
    line: str,
    page: int,
    number: int,
    patterns: Patterns,
    context: dict[str, str | None],
    result: dict[str, Any],
    request: dict[str, Any],
) -> str:
    """Decide what one text line is, update the result, and say what took it."""
    state = result["_state"]
    found = patterns.candidates(line)
    taken = None
    if found:
        taken = _set_context(line, patterns, found, context)
        if taken:
            state["allowed"] = {}
        taken = (
            taken
            or _skip(line, patterns, found, context, result)
            or _record(line, page, number, patterns, found, context, result, request)
        )
    if taken:
        state["last"] = taken.removeprefix("record ") if taken.startswith("record ") else None
        return taken
    continued = _continue(line, state, result, request)
    if continued:
        return continued
    if patterns.item is not None and patterns.item.search(line):
        result["rejects"].append((page, number, line))
        result["rows_read"] += 1
        return "item: no record reads it (a reject)"
    if _unreadable(line):
        result["unreadable"] += 1
        return "unreadable: its font maps no characters"
    result["unmatched"] += 1
    return "unmatched"


def _set_context(
    line: str, patterns: Patterns, found: Any, context: dict[str, str | None]
) -> str | None:
    names = []
    for index, (name, pattern) in enumerate(patterns.contexts):
        match = pattern.search(line) if index in found else None
        if match:
            context[name] = _field_value(match).strip()
            names.append(name)
    return "context " + ", ".join(names) if names else None


def _skip(
    line: str, patterns: Patterns, found: Any, context: dict[str, str | None], result: dict
) -> str | None:
    for index, (_pattern, when) in enumerate(patterns.skips):
        if patterns.skip_base + index in found and _allowed(when, context, result):
            result["skipped"] += 1
            result["rows_read"] += 1
            return f"skip[{index}]"
    return None


def _record(
    line: str,
    page: int,
    number: int,
    patterns: Patterns,
    found: Any,
    context: dict[str, str | None],
    result: dict[str, Any],
    request: dict[str, Any],
) -> str | None:
    filled = result["_state"]["filled"]
    for index, (name, pattern, when, defaults) in enumerate(patterns.rows):
        if patterns.row_base + index not in found or not _allowed(when, context, result):
            continue
        groups = _named_groups(pattern, line)
        if groups is None:
            continue
        values = groups
        if defaults:
            values = {k: (v if v is not None else defaults.get(k)) for k, v in groups.items()}
        for group in request.get("fill_down", ()):
            if group in values:
                if values[group]:
                    filled[group] = values[group]
                else:
                    values[group] = filled.get(group)
        row = {"_page": page, "_row": number, "text": line, **context, **values}
        result["rows"].setdefault(name, []).append(row)
        result["rows_read"] += 1
        return f"record {name}"
    return None


def _continue(
    line: str, state: dict[str, Any], result: dict[str, Any], request: dict[str, Any]
) -> str | None:
    """A line that continues the row above it (an item printed over two or three lines)."""
    name = state["last"]
    rule = request.get("continuations", {}).get(name) if name else None
    if not rule:
        return None
    pattern, group, limit = rule
    row = result["rows"][name][-1]
    if row.get("_continued", 0) >= limit or not _compile(pattern).search(line):
        return None
    row["_continued"] = row.get("_continued", 0) + 1
    row["text"] = f"{row['text']} {line}"
    row[group] = f"{row.get(group) or ''} {line}".strip()
    return f"continues record {name}"


def _unreadable(line: str) -> bool:
    """Only private-use glyphs, replacement characters or controls: text we cannot read."""
    return all(
        "\ue000" <= ch <= "\uf8ff" or ch in "\ufffd\x00" or ord(ch) < 32 or ch.isspace()
        for ch in line
    )


def read(request: dict[str, Any]) -> dict[str, Any]:
    """Open the PDF, read page by page (each page closed as read), and cut the text."""
    opened = open_document(request)
    if isinstance(opened, dict):
        return opened
    document, pages = opened
    try:
        return read_document(document, pages, request)
    finally:
        document.close()


def open_document(request: dict[str, Any]) -> tuple[Any, int] | dict[str, Any]:
    """(document, pages), or the error result: encrypted, damaged, too many pages."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(request["path"], password=request.get("password"))
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == _PDFIUM_PASSWORD_ERROR:
            return {"error": BAD_PASSWORD if request.get("password") else ENCRYPTED}
        return {"error": MALFORMED, "detail": str(exc)}
    try:
        pages = len(document)
    except pdfium.PdfiumError as exc:
        document.close()
        return {"error": MALFORMED, "detail": str(exc)}
    if pages > request["max_pages"]:
        document.close()
        return {"error": TOO_MANY_PAGES, "detail": str(pages)}
    return document, pages


def read_document(
    document: Any,
    pages: int,
    request: dict[str, Any],
    text_of: Callable[[int], str] | None = None,
) -> dict[str, Any]:
    """The result of a read; ``text_of`` gives a page's text by index (default: read it)."""
    import pypdfium2 as pdfium

    result: dict[str, Any] = {
        "pages": pages,
        "chars": 0,
        "first_page": "",
        "fields": {},
        "rows": {},
        "rejects": [],
        "skipped": 0,
        "rows_read": 0,
        "unmatched": 0,  # lines no pattern took: page furniture, or an unknown item
        "unreadable": 0,  # lines whose glyphs map to no text
    }
    if request.get("trace"):
        result["trace"] = []
    try:
        chosen = _read_pages(request, result, pages, text_of or partial(page_text, document))
    except pdfium.PdfiumError as exc:
        return {"error": MALFORMED, "detail": str(exc)}
    if request.get("tables") is not None and chosen:
        result["table_rows"] = _tables(request, chosen)
    result.pop("_state", None)
    for rows in result["rows"].values():
        for row in rows:
            row.pop("_continued", None)
    if request.get("columnar"):
        result["rows"] = {name: as_columns(rows) for name, rows in result["rows"].items()}
    return result


def as_columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """A row pattern's rows as one list per column (a smaller, faster result to pass on)."""
    names = dict.fromkeys(name for row in rows[:1] for name in row)
    for row in rows:
        if row.keys() != names.keys():
            names.update(dict.fromkeys(row))
    if len(names) > 1 and all(len(row) == len(names) for row in rows):
        # Every row has every column (the usual case): transposed in one pass.
        columns = zip(*map(itemgetter(*names), rows), strict=True)
        return dict(zip(names, map(list, columns), strict=True))
    return {name: [row.get(name) for row in rows] for name in names}


def page_text(document: Any, index: int) -> str:
    """One page's text, the page closed as soon as it is read."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()


def _read_pages(
    request: dict[str, Any], result: dict, pages: int, text_of: Callable[[int], str]
) -> list[int]:
    """Read each page's text (each page closed as read); cut the chosen pages into rows."""
    context: dict[str, str | None] = {name: None for name, _ in request["contexts"]}
    chosen: list[int] = []
    for index in range(1 if request.get("first_page_only") else pages):
        text = text_of(index)
        result["chars"] += len(text.strip())
        if index == 0:
            result["first_page"] = text
        if request.get("first_page_only"):
            continue
        if not _chosen(index + 1, text, request):
            _fields(text, index + 1, request, result)
            continue
        chosen.append(index + 1)
        if request.get("tables") is None:
            cut_page(text, index + 1, request, context, result)
        else:
            _fields(text, index + 1, request, result)
    return chosen


def _chosen(page: int, text: str, request: dict[str, Any]) -> bool:
    """Whether the profile reads this page's rows: by number, or by a heading on it."""
    numbers = request.get("pages")
    if numbers and page not in numbers:
        return False
    heading = request.get("page_pattern")
    return not heading or bool(_compile(heading, fields=True).search(text))


def _fields(text: str, page: int, request: dict[str, Any], result: dict[str, Any]) -> None:
    for name, pattern in request["fields"].items():
        if name not in result["fields"]:
            match = _compile(pattern, fields=True).search(text)
            if match:  # the value, its page and its line (the row rejects name)
                row = len((text[: match.start()] + "x").splitlines())
                result["fields"][name] = (_field_value(match).strip(), page, row)


def _tables(request: dict[str, Any], pages: list[int]) -> list[list[Any]]:
    """The cells of every ruled table on the chosen pages: [page, row, [cells...]] each.

    pdfplumber cuts tables by their ruling lines (or text alignment, as the profile's
    ``table_settings`` say); each page is closed as soon as it is read, to keep memory flat.
    """
    import pdfplumber

    rows: list[list[Any]] = []
    with pdfplumber.open(request["path"], password=request.get("password") or "") as pdf:
        for number in pages:
            page = pdf.pages[number - 1]
            try:
                tables = page.extract_tables(request["tables"] or {})
            finally:
                page.close()
            row_number = 0
            for table in tables:
                for cells in table:
                    row_number += 1
                    text = [" ".join((c or "").split()) for c in cells]
                    rows.append([number, row_number, text])
    return rows


def say(result: dict[str, Any]) -> None:
    """One result as a line of JSON on stdout."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


def main() -> None:
    """Cap memory, read the request, write the result (errors are results, not tracebacks)."""
    limit_memory()
    try:
        result = read(json.load(sys.stdin))
    except MemoryError:
        result = {"error": OUT_OF_MEMORY}
    say(result)


def limit_memory() -> None:
    """Cap this process's address space at the size its command line gives."""
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


if __name__ == "__main__":
    main()
