"""Files people open in a spreadsheet: every cell is neutralised so that nothing typed by a citizen (an online
summary starting with "=") runs as a formula on a clerk's computer (CSV injection, OWASP)."""

import csv

#: A cell starting with one of these is taken for a formula by Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text, with a leading apostrophe if it would start a formula (shown as typed, never run)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """csv.writer whose rows are neutralised cell by cell."""

    def __init__(self, buffer):
        self._writer = csv.writer(buffer)

    def writerow(self, row) -> None:
        self._writer.writerow([safe_cell(value) for value in row])
