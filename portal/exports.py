"""CSV exports that Excel opens correctly with Chinese text and that can never carry a formula."""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header

# The characters OWASP lists as starting a formula in Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"


def safe_cell(value) -> str:
    """Text as text: a leading character a spreadsheet would read as a formula is neutralised with a quote."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> StreamingHttpResponse:
    """Stream rows as UTF-8 CSV with a byte-order mark (Excel needs it to read Chinese), as an attachment."""
    writer = csv.writer(_Echo())

    def lines():
        yield UTF8_BOM + writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
