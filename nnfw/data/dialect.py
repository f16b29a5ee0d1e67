"""How a text table separates its fields and writes its decimals, read from its first lines.

Commas are the default. Much of the world's tables are not comma-separated: Excel saves
semicolons where the decimal mark is a comma, R's `write.table` and database dumps write tabs
or bars. A file is read with the separator under which its header and first rows have the same
number of fields (several of them), commas first where more than one does; a file separated by
semicolons, tabs or bars whose numbers are written `3,5` and never `3.5` has decimal commas.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

#: the separators a table's text file may use, in the order a tie is decided, in words
SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "bars"}

#: rows after the header that a separator must split like the header
SAMPLE_ROWS = 50

#: bytes at the start of a file whose decoding tells its encoding
SAMPLE_BYTES = 1 << 20

#: UTF-8 (without a byte-order mark, as pandas reads it), and the encodings tried where it fails
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")

DECIMAL_COMMA = re.compile(r"\s*[+-]?\d+,\d+\s*")
DECIMAL_POINT = re.compile(r"\s*[+-]?\d*\.\d+\s*")


@dataclass(frozen=True)
class Dialect:
    """A CSV file's separator and decimal mark."""

    separator: str = ","
    decimal: str = "."
    encoding: str = ENCODINGS[0]

    @property
    def read_options(self) -> dict[str, str]:
        """What pandas' CSV reader is told."""
        return {"sep": self.separator, "decimal": self.decimal, "encoding": self.encoding}

    def __str__(self) -> str:
        decimals = ", with decimal commas" if self.decimal == "," else ""
        encoding = f", in {self.encoding}" if self.encoding != ENCODINGS[0] else ""
        return f"separated by {SEPARATORS[self.separator]}{decimals}{encoding}"


def encoding(path: Path) -> str:
    """The encoding of the file at `path`: UTF-16 after its byte-order mark (Excel's "Unicode
    text"), else the first of ENCODINGS that decodes its beginning. A NUL byte there is refused
    as a UnicodeDecodeError: the file is not text (an image, a zip), though Latin-1 would decode it."""
    with path.open("rb") as file:
        start = file.read(SAMPLE_BYTES)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in start:
        at = start.index(b"\x00")
        raise UnicodeDecodeError("utf-8", start, at, at + 1, "a NUL byte, so not a text file")
    for name in ENCODINGS:
        try:
            codecs.getincrementaldecoder(name)().decode(start, final=False)  # a character cut at the end is no error
        except UnicodeDecodeError:
            continue
        return name
    return ENCODINGS[-1]  # Latin-1 decodes every byte


def _rows(path: Path, separator: str, encoding: str) -> list[list[str]]:
    """The header and up to SAMPLE_ROWS rows of the file at `path`, split at `separator`."""
    with path.open(newline="", encoding=encoding) as file:
        return [row for row in islice(csv.reader(file, delimiter=separator), SAMPLE_ROWS + 1) if row]


def sniff(path: Path) -> tuple[Dialect, list[str]]:
    """The dialect of the CSV file at `path`, and its header's fields as that dialect splits them
    (empty for an empty file). Raises OSError for a file that cannot be read, and
    UnicodeDecodeError or csv.Error for one that is not text."""
    encoded = encoding(path)
    split = {separator: _rows(path, separator, encoded) for separator in SEPARATORS}
    widths = {separator: len(rows[0]) if rows else 0 for separator, rows in split.items()}
    consistent = [separator for separator, rows in split.items()
                  if widths[separator] > 1 and all(len(row) == widths[separator] for row in rows)]
    # ragged under every separator: the widest header, so that the parser's refusal counts its fields
    separator = max(consistent or [s for s in SEPARATORS if widths[s] > 1] or [","], key=widths.__getitem__)
    rows = split[separator]
    return Dialect(separator, _decimal(separator, rows[1:]), encoded), rows[0] if rows else []


def _decimal(separator: str, rows: list[list[str]]) -> str:
    """',' where a file not separated by commas writes its fractions with a comma, else '.'."""
    if separator == ",":
        return "."
    cells = [cell for row in rows for cell in row]
    with_comma = any(DECIMAL_COMMA.fullmatch(cell) for cell in cells)
    return "," if with_comma and not any(DECIMAL_POINT.fullmatch(cell) for cell in cells) else "."
