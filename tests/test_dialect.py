"""A table's separator and decimal mark, told from its first lines: commas, semicolons (with
decimal commas, as Excel saves them in much of Europe), tabs and bars all read as the same table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnfw.data.dialect import Dialect, sniff

FILES = {
    "commas": ("a,b,y\n1.5,x,0\n2.5,y,1\n", Dialect(",", ".")),
    "semicolons": ("a;b;y\n1.5;x;0\n2.5;y;1\n", Dialect(";", ".")),
    "semicolons with decimal commas": ("a;b;y\n1,5;x;0\n2,5;y;1\n", Dialect(";", ",")),
    "semicolons, decimal points and text with commas": ("a;b;y\n1.5;x, y;0\n2,5;y;1\n", Dialect(";", ".")),
    "tabs": ("a\tb\ty\n1.5\tx\t0\n", Dialect("\t", ".")),
    "bars": ("a|b|y\n1,5|x|0\n", Dialect("|", ",")),
    "commas with semicolons in a text": ("name,notes,y\nA,x;y;z,0\nB,w,1\n", Dialect(",", ".")),
    "commas with semicolons in a quoted header": ('"a;1",b,y\n1,2,0\n', Dialect(",", ".")),
    "semicolons with a comma in a header name": ("price (EUR, net);qty;y\n1,5;2;0\n3,5;1;1\n", Dialect(";", ",")),
    "one column": ("y\n1.5\n2.5\n", Dialect(",", ".")),
}


@pytest.mark.parametrize("case", FILES)
def test_the_dialect_is_told_from_the_header_and_first_rows(tmp_path, case):
    content, expected = FILES[case]
    path = tmp_path / "table.csv"
    path.write_text(content)
    dialect, header = sniff(path)
    assert dialect == expected
    assert len(header) == (1 if case == "one column" else 3)


def test_a_table_reads_the_same_whatever_separator_and_decimal_mark_it_was_saved_with(tmp_path):
    from nnfw.data.csv import read_csv

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"size": rng.normal(3, 1, 60).round(3), "colour": rng.choice(["red", "blue, dark"], 60),
                          "count": rng.integers(0, 9, 60), "price": rng.gamma(2, 10, 60).round(2),
                          "y": rng.choice(["yes", "no"], 60)})
    frame.loc[3, "size"] = np.nan
    ways = {"commas": {}, "semicolons": {"sep": ";", "decimal": ","}, "tabs": {"sep": "\t"}, "bars": {"sep": "|"}}
    tables = {}
    for name, options in ways.items():
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False, **options)
        tables[name] = read_csv(str(path), target="y")
    for name, table in tables.items():
        pd.testing.assert_frame_equal(table.X, tables["commas"].X, obj=name)
        np.testing.assert_array_equal(table.y, tables["commas"].y)
        assert table.plan.kinds == tables["commas"].plan.kinds
    assert tables["semicolons"].plan.kinds["price"] == "numeric"


def test_a_file_saved_in_windows_western_encoding_reads_as_its_utf8_twin(tmp_path):
    from nnfw.data.csv import read_frame

    frame = pd.DataFrame({"größe": [1.5, 2.5, 3.5], "café": ["crème", "brûlée", "crème"], "y": [0, 1, 0]})
    utf8, windows = tmp_path / "utf8.csv", tmp_path / "windows.csv"
    frame.to_csv(utf8, index=False)
    frame.to_csv(windows, index=False, sep=";", decimal=",", encoding="cp1252")
    assert sniff(windows)[0] == Dialect(";", ",", "cp1252")
    pd.testing.assert_frame_equal(read_frame(windows), read_frame(utf8))


def test_a_file_saved_as_utf16_reads_as_its_utf8_twin(tmp_path):
    from nnfw.data.csv import read_frame

    frame = pd.DataFrame({"größe": [1.5, 2.5], "y": ["ja", "nein"]})
    utf8, utf16 = tmp_path / "utf8.csv", tmp_path / "utf16.csv"
    frame.to_csv(utf8, index=False)
    frame.to_csv(utf16, index=False, sep="\t", encoding="utf-16")  # Excel's "Unicode text"
    assert sniff(utf16)[0] == Dialect("\t", ".", "utf-16")
    pd.testing.assert_frame_equal(read_frame(utf16), read_frame(utf8))


def test_a_streamed_file_with_semicolons_reads_as_its_comma_twin(tmp_path):
    from nnfw.data.csv import read_chunks

    frame = pd.DataFrame({"a": np.arange(25) / 4, "y": np.arange(25) % 2})
    commas, semicolons = tmp_path / "commas.csv", tmp_path / "semicolons.csv"
    frame.to_csv(commas, index=False)
    frame.to_csv(semicolons, index=False, sep=";", decimal=",")
    pd.testing.assert_frame_equal(pd.concat(read_chunks(semicolons, 10)), pd.concat(read_chunks(commas, 10)))
