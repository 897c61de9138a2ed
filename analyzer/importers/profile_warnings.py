"""Warnings about a profile's reading of one file: a draft's unchecked guesses, and fields
mapped to columns that were empty in every row (a mapping that silently reads nothing)."""

from __future__ import annotations

import tomllib
from typing import Any

from analyzer.importers.base import Extracted


def profile_warnings(importer: Any, extracted: Extracted) -> list[str]:
    """One sentence per problem; empty for a checked profile that read every field."""
    source = getattr(importer, "source", None)
    if source is None:
        return []
    warnings = []
    try:
        unsure = tomllib.loads(source.read_text(encoding="utf-8")).get("unsure", [])
    except (OSError, tomllib.TOMLDecodeError):
        unsure = []
    if unsure:
        warnings.append(
            f"the profile {source.name} is a draft: check {', '.join(unsure)}, "
            "then remove them from its unsure list"
        )
    events = extracted.events
    if events.num_rows:
        mapped = sorted(_mapped_fields(importer) & set(events.column_names))
        for name, empty in events.null_counts(mapped).items():
            if empty == events.num_rows:
                warnings.append(f"{name} is mapped but empty in every row")
    return warnings


def _mapped_fields(importer: Any) -> set[str]:
    """Fields read from a column (constants are never empty)."""
    mappings = list(getattr(importer, "mappings", ()))
    mappings += [row.mapping for row in getattr(importer, "rows", ())]
    return {name for mapping in mappings for name, spec in mapping.fields.items() if spec.columns()}
