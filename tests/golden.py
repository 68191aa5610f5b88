"""The shipped data's answers, pinned as golden files a planner can read in review.

``tests/golden/completeness.csv`` holds each chain's completeness and ``tests/golden/
ranking-LIST-top.csv`` the top of each ranking list (recruit, develop, secure), all computed
from the shipped data.
``tests/test_golden.py`` fails, with a line-by-line diff, when the current code gives a
different answer. When a change of the answer is meant (new data, a new method), write the
files again on purpose and commit them with the change, so the diff shows in review::

    python -m tests.golden --write      # rewrite tests/golden/*.csv from the shipped data
    python -m tests.golden              # show the differences only; exit 1 when there are any

Each golden file is one entry of :data:`ANSWERS` (file name -> the function that computes it
from a :class:`kg.gaps.GapAnalysis`): pinning another ranking list is one line there.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

GOLDEN = Path(__file__).resolve().parent / "golden"
TOP = 20  # rows of each ranking list pinned
DIGITS = 6  # decimals kept of a score or share: finer than any printed figure, coarser than float noise

COMPLETENESS_COLUMNS = ["chain", "label_zh", "label_en", "kind", "products", "present", "planned", "missing",
                        "completeness", "completeness_planned"]
RANKING_COLUMNS = ["rank", "id", "label_zh", "label_en", "gap_type", "status", "score"]


def ranking_top(analysis, list_name: str) -> pd.DataFrame:
    """The first :data:`TOP` rows of one ranking list: rank, product, gap, score and each
    component."""
    from kg.analysis.gaps import COMPONENTS

    return analysis.ranked(list_name).head(TOP)[[*RANKING_COLUMNS, *COMPONENTS]]


# file name (in tests/golden, without .csv) -> the answer it pins
ANSWERS: dict[str, Callable] = {
    "completeness": lambda analysis: analysis.completeness[COMPLETENESS_COLUMNS],
    "ranking-recruit-top": lambda analysis: ranking_top(analysis, "recruit"),
    "ranking-develop-top": lambda analysis: ranking_top(analysis, "develop"),
    "ranking-secure-top": lambda analysis: ranking_top(analysis, "secure"),
}


def as_csv(frame: pd.DataFrame) -> str:
    """The CSV text of an answer, numbers rounded to :data:`DIGITS` decimals."""
    rounded = frame.copy()
    for column in rounded.columns:
        if pd.api.types.is_float_dtype(rounded[column]):
            rounded[column] = rounded[column].round(DIGITS)
    return rounded.to_csv(index=False, lineterminator="\n")


def current_answers(analysis=None) -> dict[str, str]:
    """Each golden file's text as the current code computes it from the shipped data (built
    into a temporary folder unless ``analysis`` is given)."""
    if analysis is None:
        from kg.analysis.gaps import analyse
        from kg.paths import default_data_dir
        from kg.store.build import build
        from kg.store.stores import open_store

        with tempfile.TemporaryDirectory(prefix="kg-golden-") as tmp:
            build(default_data_dir(), Path(tmp) / "build")
            analysis = analyse(open_store(Path(tmp) / "build"))
    return {name: as_csv(answer(analysis)) for name, answer in ANSWERS.items()}


def differences(answers: dict[str, str], golden: Path = GOLDEN) -> dict[str, str]:
    """File name -> a unified diff (golden file, then the current answer) for each answer
    that differs from its golden file or has none."""
    found = {}
    for name, text in answers.items():
        path = golden / f"{name}.csv"
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            diff = difflib.unified_diff(old.splitlines(), text.splitlines(), f"tests/golden/{name}.csv (pinned)",
                                        f"{name} (the current code)", lineterm="", n=1)
            found[name] = "\n".join(diff) if path.exists() else f"tests/golden/{name}.csv is missing"
    return found


def read_golden(name: str, golden: Path = GOLDEN) -> list[dict[str, str]]:
    """The rows of a golden file, as text (for tests that compare other outputs with it)."""
    import csv
    import io

    return list(csv.DictReader(io.StringIO((golden / f"{name}.csv").read_text(encoding="utf-8"))))


def write(answers: dict[str, str], golden: Path = GOLDEN) -> list[Path]:
    """Write each answer to its golden file; the paths written."""
    golden.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in answers.items():
        path = golden / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare (or with --write, rewrite) the golden files of the "
                                                 "shipped data's answers in tests/golden.")
    parser.add_argument("--write", action="store_true", help="rewrite the golden files from the current code")
    args = parser.parse_args(argv)
    answers = current_answers()
    if args.write:
        for path in write(answers):
            print(f"wrote {path}")
        return 0
    found = differences(answers)
    for diff in found.values():
        print(diff)
    if not found:
        print("the golden files match the current answers")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
