"""Which text encoding a file is in: its BOM, what the layout declares, else detection.

DuckDB reads only UTF-8, so a CSV is decoded in Python first; bills come in UTF-8, UTF-16,
Windows-1252 and GB18030, and detection libraries confuse the last two with other code pages.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from pathlib import Path

from analyzer.errors import InputError

HEAD_BYTES = 256 * 1024
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """The file's text encoding: its BOM, else what the layout declares, else detection."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    if declared:
        return declared
    if b"\x00" in head:
        raise InputError(
            path,
            "this is not a text file (it holds binary data)",
            hint="export it again as CSV, or check it is the file you meant",
        )
    if _is_utf8(path) or _mostly_utf8(head):
        return "utf-8"
    legacy = _legacy_encoding(head)
    if legacy:
        return legacy
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is None:
        raise InputError(
            path,
            "this is not a text file (no text encoding fits)",
            hint="export it again as CSV, or check it is the file you meant",
        )
    # GB2312 and GBK are subsets of GB18030: decode with the superset.
    if best.encoding in ("gb2312", "gbk"):
        return "gb18030"
    return _prefer_windows_1252(head, best.encoding)


# Single-byte code pages that detection confuses with Windows-1252 on short files.
_LATIN_LOOKALIKES = re.compile(r"^(cp125\d|mac_.*|iso8859_\d+|latin_1|cp8\d\d|kz1048|ptcp154)$")


def _prefer_windows_1252(head: bytes, detected: str) -> str:
    """Windows-1252 when detection picks a lookalike code page and 1252 reads every byte.

    Short Western exports (a few accented words and a euro sign) fit many code pages equally;
    Windows-1252 is what spreadsheet programs write. Other code pages can be declared.
    """
    if not _LATIN_LOOKALIKES.match(detected):
        return detected
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return detected
    return "cp1252"


def _mostly_utf8(head: bytes) -> bool:
    """UTF-8 with a few foreign rows (a mixed file): its bad rows become rejects, not mojibake.

    A head that is plain ASCII counts too: the foreign bytes further down are rejected rows.
    """
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head)
    invalid = text.count("\ufffd")
    valid = len(re.findall("[^\x00-\x7f\ufffd]", text))
    return invalid == 0 or valid > invalid


# Bills come from Chinese sellers (GB18030) and from Spanish, French and English carriers
# (Windows-1252); detection libraries confuse both with other code pages on short files.
_CJK = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_CJK_RUN = re.compile("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]{2,}")


def _legacy_encoding(head: bytes) -> str | None:
    """GB18030 when the text decodes to Chinese words, else Windows-1252 when it decodes.

    Accented Latin text read as GB18030 also gives CJK characters, but lone ones between
    Latin letters; Chinese comes in runs, so most wide characters must be CJK and at least half
    of those in runs (a Spanish header beside Chinese text still reads as GB18030).
    """
    for encoding in ("gb18030", "cp1252"):
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head)
        except UnicodeDecodeError:
            continue
        if encoding == "cp1252":
            return encoding
        wide = sum(1 for ch in text if ord(ch) > 127)
        cjk = sum(1 for ch in text if _CJK.match(ch))
        in_runs = sum(len(run) for run in _CJK_RUN.findall(text))
        if cjk and cjk * 2 >= wide and in_runs * 2 >= cjk:
            return encoding
    return None


def _is_utf8(path: Path) -> bool:
    stat = path.stat()
    return _is_utf8_file(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _is_utf8_file(path: Path, mtime_ns: int, size: int) -> bool:
    """Whether every byte of the file is UTF-8 (cached: identify and extract both ask)."""
    del mtime_ns, size  # part of the cache key only
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                # Plain ASCII (most exports) is UTF-8: checked far faster than decoded.
                if not (block.isascii() and not decoder.getstate()[0]):
                    decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@lru_cache(maxsize=64)
def _head_text(path: Path, mtime: float, size: int, encoding: str | None) -> str:
    del mtime, size  # part of the cache key only
    found = detect_encoding(path, encoding)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    return head.decode(found, errors="replace").lstrip("\ufeff")


def head_text(path: Path, encoding: str | None = None) -> str:
    """The decoded start of a text file, cached: every importer's identify reads it."""
    stat = path.stat()
    return _head_text(path, stat.st_mtime, stat.st_size, encoding)
