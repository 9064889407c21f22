"""Spreadsheets as community offices use them: .xlsx out (openpyxl), .xlsx or .csv in.

One helper writes a workbook from plain rows (a bold, frozen header, columns wide enough for
Chinese text); one reads the first sheet of an upload into rows of text, refusing what is not a
spreadsheet or is too big before any row is looked at."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from urllib.parse import quote

from fastapi.responses import Response

from meetingroom.errors import Invalid, TooLarge

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 2 * 1024 * 1024  # a roster of thousands of people is far below this
MAX_ROWS = 2000
MAX_COLUMNS = 30
MAX_UNZIPPED = 50 * 1024 * 1024  # a "zip bomb" is refused before openpyxl inflates it

Cell = str | int | float | None


def _width(value: Cell) -> int:
    text = "" if value is None else str(value)
    # A Chinese character takes about two columns of a Latin one.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def workbook(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Cell]]]],
             title: str = "") -> bytes:
    """A workbook: (sheet title, header, rows) per sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EDE7DA")
    for name, header, rows in sheets:
        ws = wb.create_sheet(title=name[:31] or "Sheet")
        ws.append(list(header))
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        widths = [_width(h) for h in header]
        for row in rows:
            ws.append(list(row))
            for cell in ws[ws.max_row]:
                # openpyxl stores a text starting with "=" as a formula: a name like
                # "=HYPERLINK(…)" typed by a resident must stay text in the office's program.
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
            widths = [max(w, _width(v)) for w, v in zip(widths, list(row) + [None] * len(widths),
                                                        strict=False)]
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(w + 2, 8), 60)
        ws.freeze_panes = "A2"
    if title:
        wb.properties.title = title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def download(content: bytes, filename: str, media_type: str = XLSX_TYPE) -> Response:
    """A file to save, with its (possibly Chinese) name in both header forms."""
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "-"
                         for ch in filename)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": disposition})


def read_rows(content: bytes, filename: str) -> list[list[str]]:
    """The rows of an uploaded .xlsx or .csv (UTF-8, with or without BOM, or GB18030 as saved by
    a Chinese Excel), every cell as trimmed text, empty rows dropped."""
    if len(content) > MAX_UPLOAD:
        raise TooLarge("The file is larger than {n} MB.", n=MAX_UPLOAD // (1024 * 1024))
    if not content:
        raise Invalid("The file is empty.", field="file")
    name = (filename or "").lower()
    if content[:4] == b"PK\x03\x04":
        rows = _read_xlsx(content)
    elif name.endswith(".xlsx"):
        raise Invalid("This is not a readable .xlsx file.", field="file")
    elif name.endswith((".csv", ".txt")) or not name:
        rows = _read_csv(content)
    else:
        raise Invalid("Upload a .xlsx or .csv file.", field="file")
    rows = [[("" if v is None else _text(v)).strip() for v in row[:MAX_COLUMNS]]
            for row in rows]
    rows = [row for row in rows if any(row)]
    if len(rows) > MAX_ROWS + 1:
        raise Invalid("At most {n} rows at a time.", field="file", n=MAX_ROWS)
    return rows


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed into a number cell
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)


def _read_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNZIPPED:
                raise Invalid("This spreadsheet is too large when unpacked.", field="file")
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Invalid:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise Invalid("This is not a readable .xlsx file.", field="file") from None
    try:
        ws = wb.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        wb.close()


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Invalid("The file is neither UTF-8 nor GB18030 text.", field="file")
    if "\x00" in text:
        raise Invalid("Upload a .xlsx or .csv file.", field="file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    for row in csv.reader(io.StringIO(text), dialect):
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            break
    return rows
