"""A file's path as text, for a name that is not valid UTF-8.

A name is bytes: one that is not UTF-8 (``bill\\xff.csv``, from an old archive or another
system) comes to Python with its bad bytes as lone surrogates ('\\udcff'), which open() takes
but nothing that wants text does: DuckDB, RE2, JSON written as UTF-8, native readers
(calamine) refuse them. So the real ``Path`` opens the file, and :func:`path_text` is what
every other place keeps of it (the sources table, a profile's file-name pattern, messages): the
same name, its bad bytes written as ``\\xff``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_ESCAPED_BYTE = re.compile(rb"\\x([89a-f][0-9a-f])")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A Windows path (C:\\... or \\\\server\\...): backslashes separate its parts too.
_WINDOWS = re.compile(r"[A-Za-z]:\\|\\\\")
# The same test and split in DuckDB's SQL, for a stored path in column ``{0}``.
FILE_NAME_SQL = (
    "CASE WHEN NOT contains({0}, '/') AND regexp_matches({0}, '^([A-Za-z]:\\\\|\\\\\\\\)') "
    "THEN regexp_extract({0}, '[^\\\\]+$') ELSE regexp_extract({0}, '[^/]+$') END"
)


def path_text(path: Path | str) -> str:
    """The path as valid UTF-8 text: itself when it is, else with each byte that is not UTF-8
    written as ``\\xNN`` (a name the user can read and that the database can store).

    Text that holds a name (a message) is made storable the same way.
    """
    text = str(path)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(_escaped, text)
    return text


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def file_name(text: str) -> str:
    """The file's name in a stored path (``path_text``): what follows its last '/' or, in a
    Windows path, its last '\\'; elsewhere a backslash belongs to the name (``\\xff``)."""
    if "/" not in text and _WINDOWS.match(text):
        return text.rsplit("\\", 1)[-1]
    return text.rsplit("/", 1)[-1]


def text_path(text: str) -> Path:
    """The path :func:`path_text` gave ``text`` for (its ``\\xNN`` back to bytes), so that a
    stored name can be looked for on disk; the text itself when that names a file."""
    path = Path(text)
    if "\\x" not in text or path.exists():
        return path
    raw = _ESCAPED_BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), text.encode("utf-8"))
    return Path(os.fsdecode(raw))


def native_path(path: Path, folder: Path | str) -> str:
    """A name for the file that native readers (Rust, C++) can open: the path itself when it
    is valid UTF-8, else a link to it made in ``folder`` (with the same suffix, which says the
    format), since they take names only as UTF-8 text."""
    text = str(path)
    if path_text(text) == text:
        return text
    suffix = path.suffix if path_text(path.suffix) == path.suffix else ""
    link = Path(folder) / f"source{suffix}"
    target = os.path.abspath(path)
    if link.is_symlink() and os.readlink(link) != target:
        link.unlink()
    if not link.is_symlink():
        os.symlink(target, link)
    return str(link)


@contextmanager
def native_name(path: Path) -> Iterator[str]:
    """:func:`native_path` with a folder of its own for the link, removed when done (only a
    name that is not UTF-8 needs one)."""
    if path_text(path) == str(path):
        yield str(path)
        return
    from analyzer.duck import temp_prefix

    with tempfile.TemporaryDirectory(prefix=temp_prefix("name")) as folder:
        yield native_path(path, folder)
