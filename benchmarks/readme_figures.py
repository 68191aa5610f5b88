"""The figures the README prints, written from their evidence.

Each figure lives in a marked block of README.md::

    <!-- figures:NAME -->
    ... written by this script ...
    <!-- /figures -->

and :data:`BLOCKS` says where each block's text comes from: ``scale`` from
benchmarks/results.json (the run BENCHMARKS.md is rendered from), ``completeness`` and
``ranking`` from the real commands on the shipped data, ``properties`` from the example counts
the property tests run. ``tests/test_readme_figures.py`` fails when a block differs from what
its evidence gives::

    python -m benchmarks.readme_figures --write   # rewrite the blocks of README.md
    python -m benchmarks.readme_figures           # show the blocks that drifted; exit 1 if any
"""

from __future__ import annotations

import argparse
import csv
import difflib
import io
import json
import math
import re
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

from benchmarks.run import summarise

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
METHOD = ROOT / "docs" / "method.md"
FILES = (README, METHOD)  # the files whose marked blocks are written here
RESULTS = Path(__file__).resolve().parent / "results.json"
BLOCK = re.compile(r"(<!-- figures:([a-z-]+) -->\n)(.*?)(<!-- /figures -->)", re.S)


def scale_text(results_file: Path = RESULTS) -> str:
    """The Scale paragraph's figures at L (about 1M triples) and the growth from M to the
    largest size, as benchmarks/run.py measured them on the base shape."""
    doc = json.loads(Path(results_file).read_text(encoding="utf-8"))
    summary = summarise(doc["results"])["base"]
    at = summary["L"]
    floor, build = at["floor"]["seconds"], at["build"]["seconds"]
    queries = [v["seconds"] for k, v in at.items() if k.startswith("query:") and "seconds" in v]
    last = "XL" if "XL" in summary else "L"
    growth = summary[last]["floor"]["triples"] / summary["M"]["floor"]["triples"]
    faster = []
    for step, cell in summary[last].items():
        base = summary["M"].get(step, {})
        if "seconds" in cell and base.get("seconds", 0) > 0.05 and cell["seconds"] / base["seconds"] > growth:
            faster.append(f"{step} k = {math.log(cell['seconds'] / base['seconds']) / math.log(growth):.2f}")
    grows = ("each step grows no faster than linearly" if not faster else
             "time grows as triples^k with k between 1 and "
             f"{max(float(f.rsplit(' ', 1)[1]) for f in faster):.2f} ({', '.join(faster)})")
    cpus = doc["info"]["machine"]["cpus"]
    return textwrap.fill(f"At {at['floor']['triples'] / 1e6:.2f}M triples on a {cpus}-core machine the build takes "
            f"{build:.1f} s, {build / floor:.1f}× pyoxigraph's bare bulk load, and peaks at "
            f"{at['build']['rss_mb'] / 1024:.1f} GB; `kg gaps` takes {at['gaps']['seconds']:.1f} s "
            f"({at['gaps-queried']['seconds']:.1f} s when the product graph is queried from a SPARQL endpoint "
            f"instead); the slowest canned query takes {max(queries):.2f} s; from M to {last} "
            f"({summary['M']['floor']['triples']:,} to {summary[last]['floor']['triples']:,} triples) {grows}. "
            f"(benchmarks/results.json, run {doc['info']['date']})", width=100) + "\n"


def _kg(out: Path, *args: str) -> str:
    """The output of a real `kg` command over the build in ``out``."""
    from click.testing import CliRunner

    from kg.cli import main

    result = CliRunner().invoke(main, [*args, "--build-dir", str(out)], env={"COLUMNS": None})
    if result.exit_code != 0:
        raise RuntimeError(f"kg {' '.join(args)} failed: {result.output}")
    return result.stdout  # as written into a pipe: every column, nothing on stderr


def completeness_text(out: Path) -> str:
    """`kg gaps --completeness --lang en` on the shipped data, as printed."""
    return "```\n" + _kg(out, "gaps", "--completeness", "--lang", "en").rstrip("\n") + "\n```\n"


RANKING_TOP = 5
RANKING_SHOWN = ["list", "rank", "id", "gap_type", "score"]  # then every score component


def ranking_text(out: Path) -> str:
    """`kg gaps --ranking --top 5 --lang en --format csv`: the columns that explain the order
    (list, rank, product, gap, score and each component) as a Markdown table."""
    from kg.analysis.gaps import COMPONENTS

    rows = list(csv.DictReader(io.StringIO(_kg(out, "gaps", "--ranking", "--top", str(RANKING_TOP), "--lang", "en",
                                               "--format", "csv"))))
    columns = [c for c in [*RANKING_SHOWN, *COMPONENTS] if rows and c in rows[0]]

    def cell(column: str, value: str) -> str:
        if column == "score":
            return f"{float(value):.3f}"
        try:
            return f"{float(value):.3f}".rstrip("0").rstrip(".") if column in COMPONENTS else value
        except ValueError:
            return value

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(c, r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def properties_text() -> str:
    """How many examples the loader property tests run per run."""
    sys.path.insert(0, str(ROOT))
    from tests.test_loader_properties import BUILD_EXAMPLES, EXAMPLES

    return (f"  {EXAMPLES} examples per loading property and {BUILD_EXAMPLES} for the build property (each\n"
            "  example builds twice) per run\n  ")  # inside a list item: indented


def _shipped_build(out: Path) -> Path:
    from kg.paths import default_data_dir
    from kg.store.build import build

    build(default_data_dir(), out)
    return out


# block name -> its text, from the build of the shipped data in the given folder
BLOCKS: dict[str, Callable[[Path], str]] = {
    "scale": lambda out: scale_text(),
    "completeness": completeness_text,
    "ranking": ranking_text,
    "properties": lambda out: properties_text(),
}


def figures(out: Path | None = None) -> dict[str, str]:
    """Every block's text from its evidence (the shipped data built into ``out``, or into a
    temporary folder)."""
    if out is not None:
        return {name: make(out) for name, make in BLOCKS.items()}
    with tempfile.TemporaryDirectory(prefix="kg-figures-") as tmp:
        return figures(_shipped_build(Path(tmp) / "build"))


def rewrite(text: str, blocks: dict[str, str]) -> str:
    """``text`` with each marked block's content replaced by its figures (unknown names are
    an error: a block nobody writes would never be checked)."""
    def replace(match: re.Match) -> str:
        name = match.group(2)
        if name not in blocks:
            raise KeyError(f"README block figures:{name} has no source in benchmarks/readme_figures.BLOCKS")
        return match.group(1) + blocks[name] + match.group(4)

    return BLOCK.sub(replace, text)


def drift(text: str, blocks: dict[str, str]) -> str:
    """A unified diff of the README as it is against the README with its figures rewritten;
    empty when they agree. Also names a block of BLOCKS missing from the README."""
    missing = [name for name in blocks if f"<!-- figures:{name} -->" not in text]
    diff = "\n".join(difflib.unified_diff(text.splitlines(), rewrite(text, blocks).splitlines(),
                                          "README.md (as written)", "README.md (from the evidence)", lineterm="",
                                          n=1))
    return diff + "".join(f"\nREADME.md has no block figures:{name}" for name in missing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check (or with --write, rewrite) the figures of README.md "
                                                 "and docs/method.md from their evidence.")
    parser.add_argument("--write", action="store_true",
                        help="rewrite the marked blocks of README.md and docs/method.md")
    args = parser.parse_args(argv)
    blocks = figures()
    found = ""
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        if args.write:
            path.write_text(rewrite(text, blocks), encoding="utf-8")
            print(f"wrote the figures of {path}")
        elif path == README:
            found += drift(text, blocks)
        else:
            found += drift(text, {n: b for n, b in blocks.items() if f"<!-- figures:{n} -->" in text})
    if args.write:
        return 0
    print(found or "the figures of README.md and docs/method.md match their evidence")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
