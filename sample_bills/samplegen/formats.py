"""Writers for the three file formats the samples come in: CSV, XLSX and PDF."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from collections.abc import Iterable

from fpdf import FPDF
from openpyxl import Workbook

from .common import FIXED, PRODUCER


def csv_bytes(rows: Iterable[list[object]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(wb: Workbook) -> bytes:
    """Save with fixed properties and zip timestamps: openpyxl stamps `modified` and entry times."""
    wb.properties.creator = wb.properties.lastModifiedBy = PRODUCER
    wb.properties.created = FIXED.replace(tzinfo=None)
    raw, out = io.BytesIO(), io.BytesIO()
    wb.save(raw)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, FIXED.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            with src.open(info) as data, dst.open(entry, "w") as copy:
                if info.filename == "docProps/core.xml":
                    stamp = rb"\g<1>2026-11-01T09:00:00Z"
                    copy.write(re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", stamp, data.read()))
                else:
                    shutil.copyfileobj(data, copy, 1 << 20)  # streamed: the sheet can be large
    return out.getvalue()


Column = tuple[str, float, str]  # header, width (mm), alignment


class BillPdf(FPDF):
    """A4 bill in core Helvetica; tables repeat their title and header row on every page."""

    ROW = 4.2

    def __init__(self, head: str, foot: str) -> None:
        super().__init__(format="A4")
        self.head, self.foot = head, foot
        self.header_rows = self.summary_rows = 0
        self.set_creation_date(FIXED)
        self.set_producer(PRODUCER)
        self.set_creator(PRODUCER)
        self.set_auto_page_break(False)
        self.set_margins(12, 12, 12)
        self.add_page()

    def header(self) -> None:
        self.set_font("Helvetica", "B", 8)
        self.cell(0, 5, self.head, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 7)
        self.cell(0, 4, f"{self.foot} - Page {self.page_no()}/{{nb}}", align="C")

    def say(self, *lines: str, size: float = 8, style: str = "", h: float = 4.5) -> None:
        self.set_font("Helvetica", style, size)
        for text in lines:
            self.cell(0, h, text, new_x="LMARGIN", new_y="NEXT")

    def pair(self, label: str, value: str, style: str = "", summary: bool = True) -> None:
        """A label and a right-aligned amount; summary rows are counted for the truth file."""
        self.set_font("Helvetica", style, 8)
        self.cell(110, self.ROW + 0.4, label)
        self.cell(40, self.ROW + 0.4, value, align="R", new_x="LMARGIN", new_y="NEXT")
        self.summary_rows += summary

    def full(self, rows: int = 1) -> bool:
        return self.get_y() + rows * self.ROW > self.h - 16

    def table(self, title: str, cols: list[Column], rows: list[list[str]], cont: str) -> None:
        """Draw rows under a header; on a page break repeat the title (+ cont) and header."""

        def head(suffix: str) -> None:
            self.say(title + suffix, size=9, style="B", h=5)
            self.set_font("Helvetica", "B", 7.5)
            for name, w, align in cols:
                self.cell(w, self.ROW, name, border="B", align=align)
            self.ln(self.ROW)
            self.header_rows += 1

        if self.full(4):
            self.add_page()
        head("")
        for row in rows:
            if self.full():
                self.add_page()
                head(f" {cont}")
            self.set_font("Helvetica", "", 7.5)
            for (_, w, align), value in zip(cols, row, strict=True):
                self.cell(w, self.ROW, value, align=align)
            self.ln(self.ROW)
        self.ln(2)
