"""data/README.md's table of files says how many rows each table of the shipped data has:
it must say what the tables hold (a row added without the README moving fails here)."""

from __future__ import annotations

import csv
import re

from kg.paths import default_data_dir


def test_the_files_table_counts_the_rows_of_each_table():
    data = default_data_dir()
    text = (data / "README.md").read_text(encoding="utf-8")
    stated = {name: int(rows) for name, rows in re.findall(r"^\| `(\w+\.csv)` \| (\d+) \|", text, flags=re.M)}
    on_disk = {path.name for path in data.glob("*.csv")}
    assert set(stated) == on_disk, "every table is in the README's table, and only those"
    for name, rows in stated.items():
        with open(data / name, encoding="utf-8", newline="") as handle:
            counted = sum(1 for _ in csv.DictReader(handle))
        assert counted == rows, f"data/README.md says {name} has {rows} rows; it has {counted}"
