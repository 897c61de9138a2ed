"""A drafted profile: its tables, what it is unsure of, and its TOML text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.paths import path_text


@dataclass
class Draft:
    """A profile being drafted; ``unsure`` lists (key, why) for what a person must check."""

    path: Path
    format: str
    identify: dict[str, Any] = field(default_factory=dict)
    read: dict[str, Any] = field(default_factory=dict)
    statement: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    skip: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    top: dict[str, Any] = field(default_factory=dict)  # PDF: item
    unsure: list[tuple[str, str]] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    claimed_by: list[str] = field(default_factory=list)  # built-in layouts that read the file
    taken: tuple[str, ...] = ()  # names the profile must not use (the built-in layouts')

    @property
    def name(self) -> str:
        slug = re.sub(r"[^\w.-]+", "_", self.path.stem).strip("_") or "my_carrier"
        return f"{slug}_draft" if slug in self.taken else slug

    def note(self, key: str, why: str) -> None:
        """Something the draft guessed: a comment, a line on stderr, an `unsure` entry."""
        if all(key != k for k, _ in self.unsure):
            self.unsure.append((key, why))

    def text(self) -> str:
        """The profile as TOML, with the unsure entries as comments above it."""
        lines = [
            f"# Drafted from {path_text(self.path.name)}: check every mapping before importing."
        ]
        lines += [f"# unsure: {key}: {why}" for key, why in self.unsure]
        lines += [
            f"name = {value(self.name)}",
            f"carrier = {value(path_text(self.path.stem))}",
            f"format = {value(self.format)}",
        ]
        lines += [f"{key} = {value(item)}" for key, item in self.top.items()]
        if self.unsure:
            lines.append(f"unsure = {value([key for key, _ in self.unsure])}")
        for name in ("identify", "read"):
            lines += _table(name, getattr(self, name))
        statement = dict(self.statement)
        extra = statement.pop("extra", {})
        lines += _table("statement", statement, always=bool(extra))
        lines += _table("statement.extra", extra)
        lines += _table("fields", self.fields, self._comments())
        for entry in self.skip:
            lines += ["", "[[skip]]", *(f"{k} = {value(x)}" for k, x in entry.items())]
        for record in self.records:
            lines += ["", "[[records]]"]
            lines += [f"{k} = {value(x)}" for k, x in record.items()]
        return "\n".join(lines) + "\n"

    def _comments(self) -> dict[str, str]:
        comments: dict[str, str] = {}
        for key, why in self.unsure:
            parts = key.split(".")
            if parts[0] == "fields" and len(parts) > 1:
                comments.setdefault(parts[1], f"unsure: {why}")
        return comments


def _table(
    name: str, items: dict[str, Any], comments: dict[str, str] | None = None, always: bool = False
) -> list[str]:
    if not items and not always:
        return []
    lines = ["", f"[{name}]"]
    for key, item in items.items():
        line = f"{_key(key)} = {value(item)}"
        if comments and key in comments:
            line += f"  # {comments[key]}"
        lines.append(line)
    return lines


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else value(key)


def value(item: Any) -> str:
    """A TOML value: strings (literal when they hold backslashes), numbers, lists, tables."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, str):
        if "\\" in item and "'" not in item and "\n" not in item:
            return f"'{item}'"
        escaped = item.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + escaped.replace("\t", "\\t").replace("\n", "\\n") + '"'
    if isinstance(item, list):
        return "[" + ", ".join(value(x) for x in item) + "]"
    if isinstance(item, dict):
        if not item:
            return "{}"
        return "{ " + ", ".join(f"{_key(str(k))} = {value(x)}" for k, x in item.items()) + " }"
    raise TypeError(f"no TOML form for {item!r}")
