"""Every regular expression a profile gives runs with RE2: linear time, no backtracking.

DuckDB's ``regexp_*`` functions are RE2 too, so a pattern behaves the same whether it runs in
SQL over a table or in Python over a PDF's text or a CSV's preamble.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import re2


class PatternError(ValueError):
    """A pattern RE2 cannot compile (a lookaround, a backreference, a syntax error)."""


def _options(ignore_case: bool) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    return options


# Python's \w, \W and \s are Unicode-aware; RE2's are ASCII. Profiles are written for bills
# in every language ("août", "Tổng"), so these classes mean what a Python user expects.
_UNICODE_CLASSES = {"w": r"\pL\pN_", "s": r"\s\x{a0}\x{202f}\x{3000}"}


_HEX = frozenset("0123456789abcdefABCDEF")


def translate(pattern: str) -> str:
    """The pattern in RE2's terms: \\w, \\W, \\s Unicode-aware (inside classes too), \\uXXXX."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            text, used = _escape(pattern, i, in_class)
            out.append(text)
            i += used
            continue
        if ch == "[" and not in_class:
            in_class = True
            # A class may open with ^ and a literal ]: copy them as they are.
            opening = re.match(r"\[\^?\]?", pattern[i:])
            assert opening is not None
            out.append(opening.group(0))
            i += len(opening.group(0))
            continue
        if ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """One backslash escape in RE2's terms, and how many characters it took."""
    nxt = pattern[i + 1]
    hex_digits = {"u": 4, "U": 8}.get(nxt)
    code = pattern[i + 2 : i + 2 + hex_digits] if hex_digits else ""
    if hex_digits and len(code) == hex_digits and all(c in _HEX for c in code):
        return f"\\x{{{code}}}", 2 + hex_digits  # Python's \u00a0 is RE2's \x{00a0}
    body = _UNICODE_CLASSES.get(nxt.lower())
    if body is None or (in_class and nxt.isupper()):  # a negated class in a class: as is
        return pattern[i : i + 2], 2
    if in_class:
        return body, 2
    return (f"[^{body}]" if nxt.isupper() else f"[{body}]"), 2


@lru_cache(maxsize=1024)
def compile_re2(pattern: str, *, ignore_case: bool = False, multiline: bool = False) -> Any:
    """The compiled pattern; a PatternError that says why RE2 refuses it."""
    source = translate(pattern)
    source = f"(?m){source}" if multiline else source
    try:
        return re2.compile(source, _options(ignore_case))
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        hint = ""
        if "(?=" in pattern or "(?!" in pattern or "(?<" in pattern.replace("(?P<", ""):
            hint = " (lookahead and lookbehind are not supported: match the text itself)"
        raise PatternError(f"not a supported regular expression: {detail}{hint}") from None


def search(pattern: str, text: str, *, ignore_case: bool = True, multiline: bool = True) -> Any:
    """The first match of ``pattern`` in ``text`` (case-insensitive, ^ and $ per line)."""
    return compile_re2(pattern, ignore_case=ignore_case, multiline=multiline).search(text)


# A pattern's tokens: an escape, a character class, a group's opening (capturing first), a
# group's closing, any other character.
_TOKEN = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|\(\?P<\w+>|\(\?|\(|\)|.", re.S)


def loosened(pattern: str) -> str | None:
    """The pattern with each outermost capturing group taking any text (``.+``), or None if it
    captures nothing: where the pattern looks for a value, whatever is printed in its place."""
    out: list[str] = []
    depth, captured_at, captured = 0, None, False
    for token in _TOKEN.findall(pattern):
        depth += token.startswith("(")
        if captured_at is None:
            if token == "(" or token.startswith("(?P<"):
                captured_at, captured = depth, True
                token += ".+"
            out.append(token)
        elif token == ")" and depth == captured_at:
            captured_at = None
            out.append(token)
        depth -= token == ")"
    return "".join(out) if captured else None
