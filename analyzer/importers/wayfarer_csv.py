"""Wayfarer eSIM: a travel eSIM seller's session export (one row per data session)."""

from analyzer.importers.base import TableMapping
from analyzer.importers.specs import Const, Country, DataVolume, Text, Timestamp
from analyzer.importers.tabular import TabularLayout

ISO = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")

LAYOUT = TabularLayout(
    name="wayfarer_csv",
    carrier="Wayfarer eSIM",
    header=("Session Start", "Session End", "Bytes", "Country", "Network", "ICCID"),
    mapping=TableMapping(
        fields={
            "line": Text("ICCID"),
            "started_at": Timestamp("Session Start", formats=ISO),
            "ended_at": Timestamp("Session End", formats=ISO),
            "kind": Const("data"),
            "quantity": DataVolume("Bytes", unit="B"),
            "country": Country("Country"),
            "network": Text("Network"),
        },
    ),
)
