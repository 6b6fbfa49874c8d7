"""Form layout to field lines: form rows and tables become `LABEL : value` lines.

Measure report sheets are forms: rows of cells where an upper-case label
(`TITRE DE LA MESURE`, `N° DE LA MESURE`) is followed by its value. Converters hand them
over as tab-separated lines (`form_rows_to_fields`) or as table rows (HTML and Word tables,
Markdown pipe tables: `table_rows_to_lines`); both end as one `LABEL : value` line per field,
and rows that are not label/value pairs are joined with ` ; `.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LETTER = re.compile(r"[^\W\d_]")


def is_form_label(cell: str) -> bool:
    """An upper-case form label cell: `TITRE DE LA MESURE`, `N° DE LA MESURE`."""
    cell = cell.strip()
    letters = _LETTER.findall(cell)
    return (
        len(letters) >= 2
        and not any(ch.islower() for ch in cell)
        and len(cell.split()) <= 12
        and not cell.endswith((".", ";", ","))
    )


def form_rows_to_fields(text: str) -> str:
    """Tab-separated form rows to one `LABEL : value` line per field; other tabs to ` ; `.

    `TITRE DE LA MESURE<TAB>Créer…<TAB>N° DE LA MESURE<TAB>1.1` becomes two lines. The cell
    right after a label is its value (whatever its case); later non-label cells extend it.
    """
    out: list[str] = []
    for line in text.split("\n"):
        if "\t" not in line:
            out.append(line)
            continue
        cells = [cell.strip() for cell in line.split("\t")]
        while cells and not cells[0]:
            cells.pop(0)
        if cells and is_form_label(cells[0]):
            out.extend(_form_fields(cells))
        else:
            out.append(" ; ".join(cell for cell in cells if cell))
    return "\n".join(out)


def _form_fields(cells: list[str]) -> list[str]:
    fields: list[list[str]] = []
    expecting_value = False
    for cell in cells:
        if not cell:
            expecting_value = False
            continue
        if expecting_value:
            fields[-1].append(cell)
            expecting_value = False
        elif is_form_label(cell):
            fields.append([cell])
            expecting_value = True
        else:
            fields[-1].append(cell)
    return [f"{label} : {' '.join(values)}".rstrip() for label, *values in fields]


def table_rows_to_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """Table rows (lists of cell texts) to text lines.

    A header row over several data rows gives `HEADER : value ; HEADER : value` per row;
    rows of label/value pairs give one `LABEL : value` line per pair; a one-cell row is a
    plain line; anything else is joined with ` ; `.
    """
    clean_rows: list[list[str]] = []
    for row in rows:
        cells = [re.sub(r"\s+", " ", cell).strip() for cell in row]
        deduped: list[str] = []
        for cell in cells:  # merged cells repeat their text
            if not deduped or cell != deduped[-1] or not cell:
                deduped.append(cell)
        if any(deduped):
            clean_rows.append(deduped)
    if not clean_rows:
        return []
    header = clean_rows[0]
    if (
        len(clean_rows) >= 2
        and len(header) >= 3
        and all(_is_short_label(cell) for cell in header)
        and all(len(row) == len(header) for row in clean_rows[1:])
    ):
        return [
            " ; ".join(
                f"{label} : {value}" for label, value in zip(header, row, strict=True) if value
            )
            for row in clean_rows[1:]
            if any(row)
        ]
    lines: list[str] = []
    for row in clean_rows:
        filled = [cell for cell in row if cell]
        if len(filled) == 1:
            lines.append(filled[0])
        elif len(row) % 2 == 0 and all(
            _is_short_label(row[i]) for i in range(0, len(row), 2) if row[i]
        ):
            for i in range(0, len(row), 2):
                label, value = row[i], row[i + 1]
                if label:
                    lines.append(f"{label} : {value}".rstrip())
                elif value:
                    lines.append(value)
        else:
            lines.append(" ; ".join(filled))
    return lines


def _is_short_label(cell: str) -> bool:
    return bool(cell) and len(cell.split()) <= 8 and not cell.endswith((".", ";", "!", "?"))
