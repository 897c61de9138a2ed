"""The importers: an explicit list, and ``identify`` that refuses to guess.

Real carriers' layouts ship as TOML profiles in ``analyzer/profiles/`` (add a file there and it
is built in); users add theirs beside their bills or in their config folder, no code. The
fictional carriers of the sample corpus are profiles too, in ``sample_bills/profiles/``.

Importing this package is light (``ImportOptions`` only): the importers and profiles load on
first use of ``BUILT_IN``, so a run over files already imported never loads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.errors import AmbiguousFormatError, UnknownFormatError
from analyzer.importers.options import ImportOptions
from analyzer.paths import path_text

if TYPE_CHECKING:
    from analyzer.importers.base import Extracted, Importer

    BUILT_IN: tuple[Importer, ...]


def __getattr__(name: str) -> Any:
    """``BUILT_IN`` (the shipped profiles), ``Importer`` and ``Extracted``, loaded when used."""
    if name == "BUILT_IN":
        from analyzer.importers.profile_files import shipped_profiles

        return shipped_profiles()
    if name in ("Extracted", "Importer"):
        from analyzer.importers import base

        return getattr(base, name)
    raise AttributeError(f"module 'analyzer.importers' has no attribute {name!r}")


__all__ = [
    "BUILT_IN",
    "Extracted",
    "ImportOptions",
    "Importer",
    "identify",
    "why_not_recognised",
]


def identify(path: Path, importers: Sequence[Importer] | None = None) -> Importer:
    """The one importer that recognises ``path`` (default: among ``BUILT_IN``); an error when
    none or several do."""
    if importers is None:
        from analyzer.importers.profile_files import shipped_profiles

        importers = shipped_profiles()
    claims = [importer for importer in importers if importer.identify(path)]
    if len(claims) == 1:
        return claims[0]
    if not claims:
        raise UnknownFormatError(
            path,
            "no importer or profile recognises this file",
            hint=f"draft a profile for it with 'analyzer profile init \"{path_text(path)}\"'",
        )
    names = " and ".join(importer.name for importer in claims)
    raise AmbiguousFormatError(
        path,
        f"{names} both recognise this file",
        hint="make one of them stricter (a filename pattern or more header names)",
    )


def why_not_recognised(path: Path, importers: Sequence[Importer]) -> list[tuple[str, str]]:
    """For each importer of this file's type, the condition it fails (for ``explain``)."""
    suffix = path.suffix.lower()
    reasons = []
    for importer in importers:
        why_not = getattr(importer, "why_not", None)
        if why_not is None or suffix not in getattr(importer, "suffixes", (".pdf",)):
            continue
        reason = why_not(path)
        if reason:
            reasons.append((importer.name, reason))
    return reasons
