"""The plain-text tables kg prints keep Chinese columns straight: a CJK character takes two
terminal columns, and each column is as wide as its widest cell."""

from __future__ import annotations

import pandas as pd

from kg.outputs.text import text_table


def test_text_table_aligns_chinese_and_latin_cells():
    frame = pd.DataFrame({"chain": ["盐化工", "x"], "n": [1, 22], "share": [0.0909, 0.5]})
    assert text_table(frame).splitlines() == [
        "chain   n   share",
        "------  --  -----",
        "盐化工  1   0.091",
        "x       22  0.5",
    ]


def test_text_table_shortens_long_cells_to_the_width():
    frame = pd.DataFrame({"name": ["精细化工" * 4]})
    assert text_table(frame, max_width=10).splitlines()[2] == "精细化工…"
