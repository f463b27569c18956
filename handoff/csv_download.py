"""CSV downloads from the inbox (the list of applications, the statutory figures) that a
spreadsheet opens safely: a cell beginning with =, +, -, @, a tab or a carriage return would be
read as a formula (CSV injection), so it gets a ' in front and is shown as the text it is."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from aiohttp import web

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell as written: text that a spreadsheet would read as a formula, with ' before it."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_download(filename: str, header: list[str], rows: Iterable[Iterable[object]]
                 ) -> web.Response:
    """A CSV file to download: `header`, then `rows`, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(name) for name in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return web.Response(
        text=out.getvalue(), content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
