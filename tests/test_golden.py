"""The shipped data's answers (each chain's completeness, the top of the ranking) equal the
golden files in tests/golden, which are rewritten only on purpose (`python -m tests.golden
--write`), so a change to an answer shows in review as a diff a planner can read."""

from __future__ import annotations

import pytest

from kg.analysis.gaps import analyse
from tests.golden import ANSWERS, GOLDEN, TOP, current_answers, differences, read_golden, write


@pytest.fixture(scope="module")
def answers(shipped_store) -> dict[str, str]:
    return current_answers(analyse(shipped_store))


def test_shipped_answers_match_the_golden_files(answers):
    found = differences(answers)
    assert not found, ("the shipped data's answers differ from tests/golden (if the change is meant, run "
                       "`python -m tests.golden --write` and commit the files):\n\n" + "\n\n".join(found.values()))


def test_golden_files_hold_every_chain_and_the_top_of_the_ranking(answers):
    assert set(ANSWERS) == {p.stem for p in GOLDEN.glob("*.csv")}
    for name in ANSWERS:
        if name.startswith("ranking-"):
            ranking = read_golden(name)
            assert 0 < len(ranking) <= TOP and ranking[0]["rank"] == "1", name
            ranks = [int(r["rank"]) for r in ranking]
            assert ranks == sorted(ranks), name
    chains = read_golden("completeness")
    assert [c["chain"] for c in chains] == ["salt", "coal", "fine", "fluorine", "new-energy", "agri", "tourism"]


def test_a_changed_answer_is_shown_as_a_diff_naming_the_product(answers, tmp_path):
    """The comparison is not vacuous: one score moved in a pinned file gives a diff with the
    old and the new line of that product."""
    write(answers, tmp_path)
    path = tmp_path / "ranking-recruit-top.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    product = lines[3].split(",")[1]
    lines[3] = lines[3].replace(",missing,", ",weak,", 1) if ",missing," in lines[3] else lines[3] + "x"
    path.write_text("".join(lines), encoding="utf-8")
    found = differences(answers, tmp_path)
    assert list(found) == ["ranking-recruit-top"]
    changed = [line for line in found["ranking-recruit-top"].splitlines() if line[:1] in "+-" and product in line]
    assert len(changed) == 2, found["ranking-recruit-top"]
