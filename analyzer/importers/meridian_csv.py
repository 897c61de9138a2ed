"""Meridian Wireless: a US family plan's unbilled-usage export (one row per call, text, session)."""

from analyzer.importers.base import TableMapping
from analyzer.importers.specs import (
    Choice,
    Const,
    Country,
    Flag,
    Money,
    Scaled,
    Text,
    Timestamp,
    When,
)
from analyzer.importers.tabular import TabularLayout

LAYOUT = TabularLayout(
    name="meridian_csv",
    carrier="Meridian Wireless",
    header=("Date", "Time", "Line", "Type", "Direction", "Number/Destination", "Unit Type"),
    filename=r"meridian",
    currency="USD",
    mapping=TableMapping(
        region="US",
        fields={
            "line": Text("Line"),
            "started_at": Timestamp("Date", "Time", formats=("%m/%d/%Y %H:%M",)),
            "kind": Choice(
                "Type",
                {"Data": "data", "Voice": "voice", "Text": "sms", "MMS": "mms", "Picture": "mms"},
            ),
            "direction": Choice("Direction", {"In": "in", "Out": "out", "": None}, default=None),
            "quantity": Scaled(
                "Units", "Unit Type", {"KB": 1024, "MB": 1048576, "MIN": 60, "MSG": 1}
            ),
            "counterparty": Text("Number/Destination"),
            "description": Text("Location"),
            "country": When("Roaming", "^home$", Const("US"), Country("Location", trailing=True)),
            "roaming": Flag("Roaming", true=("international", "roaming"), false=("home", "")),
            "amount": Money("Charge"),
            "currency": Const("USD"),
        },
    ),
)
