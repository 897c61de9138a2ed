"""Conecta Caribe: a Cuban prepaid eSIM seller's workbook (sheet Consumo, facts on Resumen).

``Importe`` is the balance movement (charges negative, top-ups positive), so it is negated
into our convention: positive = charged to the user.
"""

from analyzer.importers.base import TableMapping
from analyzer.importers.specs import (
    Choice,
    Country,
    DataVolume,
    Duration,
    Money,
    Text,
    Timestamp,
    When,
)
from analyzer.importers.tabular import Fact, TabularLayout

LAYOUT = TabularLayout(
    name="conecta_xlsx",
    carrier="Conecta Caribe",
    header=("Fecha", "Hora", "Tipo", "Datos", "Importe", "Moneda"),
    suffixes=(".xlsx",),
    sheet="Consumo",
    facts_sheet="Resumen",
    preamble_fields={
        "line": r"l[íi]nea:?\s*(\+[\d ]+\d)",
        "as_of": r"^Generado:?\s*(\d\d/\d\d/\d{4} \d\d:\d\d)",
        "plan_name": r"^Plan:\s*(.+)$",
        "allowance_bytes": r"^Datos incluidos:\s*(.+)$",
        "plan_first_use": r"^Primer uso:\s*(.+)$",
        "plan_valid_until": r"^V[áa]lido hasta:\s*(.+)$",
        "balance_cup": r"^Saldo principal \(CUP\):\s*(.+)$",
        "balance_usd": r"^Billetera \(USD\):\s*(.+)$",
    },
    mapping=TableMapping(
        region="CU",
        derived={"Sentido": ("Detalle", r"(saliente|entrante|enviado|recibido)")},
        fields={
            "line": Fact("line"),
            "started_at": Timestamp("Fecha", "Hora", formats=("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")),
            "kind": Choice(
                "Tipo",
                {
                    "Datos": "data",
                    "Llamada": "voice",
                    "SMS": "sms",
                    "MMS": "mms",
                    "Recarga": "topup",
                    "Plan": "plan",
                    "Ajuste": "adjustment",
                    "Bono": "credit",
                },
            ),
            "direction": Choice(
                "Sentido",
                {"saliente": "out", "enviado": "out", "entrante": "in", "recibido": "in"},
                default=None,
            ),
            "quantity": When(
                "Tipo", "^llamada$", Duration("Duración"), DataVolume("Datos", unit="MB")
            ),
            "duration_s": Duration("Duración"),
            "counterparty": Text("Número"),
            "country": Country("País"),
            "network": Text("Red"),
            "amount": Money("Importe", negate=True),
            "currency": Text("Moneda"),
            "description": Text("Detalle"),
        },
    ),
)
