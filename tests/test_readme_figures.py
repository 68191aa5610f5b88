"""The README's figures come from their evidence: each marked block (`<!-- figures:NAME -->`)
equals what `python -m benchmarks.readme_figures --write` writes from benchmarks/results.json,
the real commands on the shipped data and the property tests' example counts."""

from __future__ import annotations

import re

import pytest

from benchmarks.readme_figures import BLOCKS, METHOD, README, drift, figures


@pytest.fixture(scope="module")
def blocks(shipped_build) -> dict[str, str]:
    return figures(shipped_build)


def test_readme_figures_match_their_evidence(blocks):
    found = drift(README.read_text(encoding="utf-8"), blocks)
    assert not found, ("README.md's figures differ from their evidence (run `python -m benchmarks.readme_figures "
                       "--write` if the evidence is right):\n" + found)


def test_method_figures_match_their_evidence(blocks):
    text = METHOD.read_text(encoding="utf-8")
    present = {n: b for n, b in blocks.items() if f"<!-- figures:{n} -->" in text}
    assert {"completeness", "ranking"} <= set(present)
    found = drift(text, present)
    assert not found, "docs/method.md's figures differ from their evidence:\n" + found


def test_a_hand_edited_figure_is_caught(blocks):
    """The check is not vacuous: one figure changed by hand in the Scale block shows as drift."""
    text = README.read_text(encoding="utf-8")
    scale = text.split("<!-- figures:scale -->\n", 1)[1].split("<!-- /figures -->", 1)[0]
    stated = re.search(r"(\d+\.\d)×", scale).group(1)  # the build's ratio to the floor, as measured
    hand = f"{float(stated) + 0.4:.1f}"
    edited = text.replace(scale, scale.replace(f"{stated}×", f"{hand}×", 1))
    assert edited != text
    lines = drift(edited, blocks).splitlines()
    assert any(line.startswith("-") and f"{hand}×" in line for line in lines), lines
    assert any(line.startswith("+") and f"{stated}×" in line for line in lines), lines


def test_every_block_is_in_the_readme():
    text = README.read_text(encoding="utf-8")
    assert [name for name in BLOCKS if f"<!-- figures:{name} -->" not in text] == []
