"""Conecta Caribe: a Cuban prepaid eSIM seller's XLSX usage export."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .common import (
    MB,
    Event,
    Made,
    Planted,
    Sample,
    at,
    check_daily,
    check_unique,
    day_sessions,
    days,
    phone_pool,
    q2,
    small_night,
    stmt,
    to_bytes,
    truth,
    visits,
)
from .formats import xlsx_bytes

CU_LINE = "+5351234567"
CU_HEADER = ["Fecha", "Hora", "Tipo", "Datos", "Duración", "Número", "País", "Red", "Importe"]
CU_HEADER += ["Moneda", "Detalle"]
CU_TIPO = {"data": "Datos", "sms": "SMS", "voice": "Llamada", "topup": "Recarga", "plan": "Plan"}
CU_TIPO["adjustment"] = "Ajuste"
CU_DIR = {"voice": ("Llamada saliente", "Llamada entrante"), "sms": ("SMS enviado", "SMS recibido")}
CU_NET = "Red Caribe 4G (368-01)"
CU_PLAN = "Plan Datos 8 GB - 30 días"
CU_LEDGER = (  # top-ups, the plan purchase and the reversal: (time, kind, Importe, Moneda, Detalle)
    ("2026-07-01 08:05", "topup", "1000.00", "CUP", "Recarga de saldo principal (app)"),
    ("2026-07-14 18:30", "topup", "30.00", "USD", "Recarga de billetera"),
    ("2026-07-15 09:40", "plan", "-25.00", "USD", f"{CU_PLAN} (desde el primer uso)"),
    ("2026-07-22 11:40", "topup", "20.00", "USD", "Recarga de billetera"),
    ("2026-07-24 08:15", "adjustment", "-20.00", "USD", "Reverso de recarga del 22/07/2026"),
    ("2026-08-05 10:00", "topup", "500.00", "CUP", "Recarga de saldo principal (app)"),
)


def conecta_row(e: Event) -> list[object]:
    """One `Consumo` row; Importe is the balance movement, i.e. minus the analyzer's amount."""
    mb = float(round(Decimal(e.qty) / MB, 2)) if e.kind == "data" else None
    dur = f"{e.qty // 60:02d}:{e.qty % 60:02d}" if e.kind == "voice" else None
    where = ("Cuba", e.place) if e.country else (None, None)
    fields = [CU_TIPO[e.kind], mb, dur, e.party[3:] or None, *where]
    movement = float(-e.amount) if e.amount else 0.0  # the file's sign is the balance's
    return [e.at.date(), f"{e.at:%H:%M}", *fields, movement, e.currency, e.desc]


def conecta_xlsx(
    rows: Iterable[list], summary: list[tuple[str, object]], title: list[str]
) -> bytes:
    """Write the workbook in write-only mode (flat memory for the 200k-row benchmark)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Consumo")
    for text in [*title, None]:
        ws.append([text] if text else [])
    ws.append(CU_HEADER)
    formats = {0: "dd/mm/yyyy", 3: "0.00", 8: "0.00"}
    for row in rows:
        cells: list[object] = list(row)
        for i, fmt in formats.items():
            if row[i] is not None:
                cells[i] = WriteOnlyCell(ws, value=row[i])
                cells[i].number_format = fmt
        ws.append(cells)
    sheet = wb.create_sheet("Resumen")
    for label, value in summary:
        sheet.append([label, value])
    return xlsx_bytes(wb)


def make_conecta(rng: random.Random) -> Made:
    """40 days of a Cuban eSIM: pay per use, then an 8 GB plan burnt too fast; a top-up reversed."""
    name, line = "cu_conecta_caribe.xlsx", CU_LINE
    first, plan_day, heavy = date(2026, 7, 1), date(2026, 7, 15), date(2026, 8, 3)
    as_of = datetime(2026, 8, 9, 22, 15)
    pool = phone_pool(rng, "CU", lambda r: f"+535{r.randint(0, 9999999):07d}", lambda e: e[3:], 8)
    events = [Event(line, at(t), k, 0, -Decimal(a), c, desc=d) for t, k, a, c, d in CU_LEDGER]
    for d in days(first, as_of.date()):
        payg = d < plan_day
        target = 190 if payg else 245 if d < heavy else 390  # MB a day: the last week burns fast
        lo = {first: 8 * 60 + 10, plan_day: 9 * 60 + 52}.get(d, 7 * 60)
        hi = 21 * 60 if d == as_of.date() else 23 * 60
        night = 0 if d in (first, plan_day) else small_night(rng)
        total = int(target * MB * rng.uniform(0.9, 1.1))
        for start, end, b in day_sessions(rng, d, total, (3, 5), night, lo, hi):
            start, mb = start.replace(second=0), round(Decimal(b) / MB, 2)  # printed as HH:MM
            cost = q2(mb * Decimal("0.10")) if payg else Decimal("0.00")
            net = CU_NET.replace("4G", "3G") if rng.random() < 0.2 else CU_NET
            desc = "Datos (tarifa por consumo)" if payg else "Datos del plan"
            qty = to_bytes(mb, 2)
            events.append(
                Event(line, start, "data", qty, cost, "CUP", "CU", None, "", end, desc, net)
            )
    for kind, k in (("voice", 14), ("sms", 20)):
        for d in sorted(rng.sample(list(days(first, as_of.date() - timedelta(days=1))), k)):
            out = rng.random() < 0.67
            secs = rng.randint(15, 900) if kind == "voice" else 1
            price = Decimal("2.50") * -(-secs // 60) if kind == "voice" else Decimal("1.00")
            cost = price if out else Decimal("0.00")
            t = datetime.combine(d, time(rng.randint(9, 21), rng.randint(0, 59)))
            desc, party = CU_DIR[kind][not out], rng.choice(pool)
            direction = "out" if out else "in"
            events.append(
                Event(line, t, kind, secs, cost, "CUP", "CU", direction, party, None, desc, CU_NET)
            )
    events.sort(key=lambda e: (e.at, e.kind))
    plan_data = [e for e in events if e.kind == "data" and e.at.date() >= plan_day]
    first_use = plan_data[0].at
    valid_until = first_use + timedelta(days=30)
    used = sum(round(Decimal(e.qty) / MB, 2) for e in plan_data)
    balance = {c: -sum(e.amount for e in events if e.currency == c) for c in ("CUP", "USD")}
    stamp = f"{as_of:%d/%m/%Y %H:%M}"
    summary = [
        ("Línea", "+53 5 1234567"),
        ("Generado", stamp),
        ("Plan", CU_PLAN),
        ("Datos incluidos", "8 GB (8192 MB)"),
        ("Comprado", "15/07/2026 09:40"),
        ("Primer uso", f"{first_use:%d/%m/%Y %H:%M}"),
        ("Válido hasta", f"{valid_until:%d/%m/%Y %H:%M}"),
        ("Datos usados del plan (MB)", float(used)),
        ("Datos restantes (MB)", float(8192 - used)),
        ("Saldo principal (CUP)", float(balance["CUP"])),
        ("Billetera (USD)", float(balance["USD"])),
    ]
    title = ["Conecta Caribe - Consumo de la línea +53 5 1234567", f"Generado: {stamp}"]
    data = conecta_xlsx(map(conecta_row, events), summary, title)
    check_daily(events)
    check_unique(events)
    assert visits(events, "CU") == []
    statement = stmt(
        "Conecta Caribe", [line], first, as_of.date(), currencies=["CUP", "USD"],
        plan_name=CU_PLAN, as_of=as_of.isoformat(), plan_first_use=first_use.isoformat(),
        plan_valid_until=valid_until.isoformat(), plan_data_used_mb=str(used),
        balance_cup=str(balance["CUP"]), balance_usd=str(balance["USD"]),
        as_of_location="Consumo row 2 ('Generado: dd/mm/yyyy HH:MM') and sheet Resumen",
    )  # fmt: skip
    conv = (
        "Datos = MB base 1024 (bytes = round(MB*2^20)); Importe = signed balance movement "
        "(charges negative, top-ups positive, reversal negative), so truth amounts = -Importe "
        "(analyzer convention: positive = charged); Fecha is an Excel date, "
        "Hora text HH:MM; local time (Cuba)"
    )
    rows = {"title_rows": 2, "blank_rows": 1, "header_rows": 1, "resumen_rows": len(summary)}
    reversal = date(2026, 7, 24)
    planted = [
        Planted("allowance_exhaustion", line, first_use.date(), valid_until.date(), (name,)),
        Planted("topup_reversed", line, reversal, reversal, (name,), Decimal("20.00"), "USD"),
    ]
    return [Sample(name, data, truth(name, statement, events, rows, conv))], planted
