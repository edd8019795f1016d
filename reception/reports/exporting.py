"""Reports as files: CSV and XLSX of the same tables the page shows, headers in the reader's language, every
cell neutralised against formula injection (exports.safe_cell) in both formats."""

import io

from openpyxl import Workbook

from ..exports import SafeWriter, safe_cell


def _cell(value):
    """Numbers stay numbers (a spreadsheet can sum them); text is neutralised."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else safe_cell(value)


def to_csv(tables) -> bytes:
    """Every table one after another: its title, its header, its rows, a blank line. UTF-8 with BOM for Excel."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    for table in tables:
        writer.writerow([table.title])
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow(row)
        writer.writerow([])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables) -> bytes:
    """One sheet per table, named by its title (31 characters at most, as Excel allows)."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        title = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:31]
        sheet = book.create_sheet(title)
        sheet.append([safe_cell(c) for c in table.columns])
        for row in table.rows:
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rows_to_csv(rows) -> bytes:
    """Rows (the first the header) as CSV, UTF-8 with BOM for Excel, every cell neutralised."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows_to_xlsx(rows, title: str) -> bytes:
    """Rows (the first the header) as one sheet, written as a stream (write-only) so long lists fit in memory."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("".join(ch for ch in title if ch not in "[]:*?/\\")[:31])
    for row in rows:
        sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write(rows, fmt: str, title: str) -> bytes:
    return rows_to_csv(rows) if fmt == "csv" else rows_to_xlsx(rows, title)
