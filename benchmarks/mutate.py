"""A small mutation test of kg's core: one deliberate bug at a time, the matching tests run
after each, and the bugs no test notices (survivors) written to a file.

Each mutation is made in a scratch copy of the checkout (never in the working tree), by one
of a handful of operators over the code's syntax tree: a comparison flipped (``<`` ↔ ``>=``,
``==`` ↔ ``!=``), ``min`` ↔ ``max``, a number changed (0 ↔ 1, n → n + 1), a ``.strip()``
dropped, ``and`` ↔ ``or``. The candidates of each module are sampled with a fixed seed, so two
runs try the same mutations::

    python -m benchmarks.mutate                      # 4 per module, seed 21, into tests/mutation-survivors.txt
    python -m benchmarks.mutate --per-module 8 --seed 3 --timeout 300
    python -m benchmarks.mutate --tests-from main    # the same mutations against main's tests

A mutation is caught when the tests fail (or run past ``--timeout``); one that leaves them
passing survives, and is listed with its file, line and change.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURVIVORS = ROOT / "tests" / "mutation-survivors.txt"

# The core modules and the test files that should catch a bug in each: the one place to
# change when a module moves or gains tests.
TARGETS: dict[str, list[str]] = {
    "kg/analysis/gaps.py": ["tests/test_gaps.py", "tests/test_golden.py"],
    "kg/store/projection.py": ["tests/test_gaps.py", "tests/test_golden.py"],
    "kg/tables/read.py": ["tests/test_tables.py", "tests/test_loader_properties.py"],
    "kg/graph/mapping.py": ["tests/test_build.py", "tests/test_golden.py"],
    "kg/store/build.py": ["tests/test_build.py", "tests/test_build_folder.py"],
    "kg/outputs/text.py": ["tests/test_text_output.py", "tests/test_gaps.py", "tests/test_changes.py"],
}

FLIP = {ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
        ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


@dataclass(frozen=True)
class Mutation:
    file: str  # relative to the checkout
    line: int
    start: int  # character offsets of the replaced text in the file
    end: int
    old: str
    new: str
    operator: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.operator}] {self.old!r} -> {self.new!r}"


def _offsets(text: str) -> list[int]:
    starts, total = [], 0
    for line in text.splitlines(keepends=True):
        starts.append(total)
        total += len(line)
    return starts


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (never mutated)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _replacement(node: ast.AST, docstrings: set[int]) -> tuple[str, str] | None:
    """(operator, new source) for one node, or None when no operator applies."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in FLIP:
        flipped = ast.Compare(node.left, [FLIP[type(node.ops[0])]()], node.comparators)
        return "comparison", f"({ast.unparse(flipped)})"
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max")
            and not node.keywords):
        other = "max" if node.func.id == "min" else "min"
        return "min/max", ast.unparse(ast.Call(ast.Name(other), node.args, node.keywords))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("strip", "lstrip", "rstrip")):
        receiver = node.func.value
        if isinstance(receiver, ast.Attribute) and receiver.attr == "str":  # pandas: s.str.strip() -> s
            receiver = receiver.value
        return "drop strip", f"({ast.unparse(receiver)})"
    if isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        return "and/or", f"({ast.unparse(ast.BoolOp(other, node.values))})"
    if (isinstance(node, ast.Constant) and type(node.value) in (int, float) and id(node) not in docstrings
            and not isinstance(node.value, bool)):
        value = node.value
        new = 1 if value == 0 else 0 if value == 1 else value + 1
        return "constant", repr(type(value)(new))
    return None


def mutations(file: str, root: Path = ROOT) -> list[Mutation]:
    """Every mutation the operators can make in ``file``, in the order of the source."""
    text = (root / file).read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    starts, docstrings, found = _offsets(text), _docstrings(tree), []

    def offset(line: int, byte_col: int) -> int:  # ast columns count UTF-8 bytes
        return starts[line - 1] + len(lines[line - 1].encode()[:byte_col].decode(errors="ignore"))

    for node in ast.walk(tree):
        if getattr(node, "end_lineno", None) is None:
            continue
        change = _replacement(node, docstrings)
        if change is not None:
            start, end = offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset)
            found.append(Mutation(file, node.lineno, start, end, text[start:end], change[1], change[0]))
    return sorted(found, key=lambda m: (m.start, m.end, m.operator))


def sample(per_module: int, seed: int, targets: dict[str, list[str]] = TARGETS) -> list[Mutation]:
    """``per_module`` mutations of each target module, picked with ``seed``."""
    picked = []
    for file in targets:
        candidates = mutations(file)
        picked += sorted(random.Random(f"{seed}:{file}").sample(candidates, min(per_module, len(candidates))),
                         key=lambda m: m.start)
    return picked


def scratch_copy(target: Path, tests_from: str | None) -> None:
    """The checkout (working tree, without .git and build output) in ``target``; with
    ``tests_from`` a git revision, its tests/ folder instead of the working tree's."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n in ("__pycache__", ".pytest_cache") or n.endswith(".egg-info")}
        if Path(folder) == ROOT:  # build and report output of the checkout itself
            skipped |= {n for n in names if n in (".git", "build", "report", ".venv")}
        return skipped

    shutil.copytree(ROOT, target, ignore=ignore)
    if tests_from:
        shutil.rmtree(target / "tests")
        archive = subprocess.run(["git", "archive", tests_from, "tests"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)


def run_tests(tree: Path, tests: list[str], timeout: float, deselect: list[str] = (),
              stop_first: bool = True) -> tuple[str, list[str]]:
    """('passed' | 'failed' | 'timeout' | 'no tests', the ids of the failed tests) for the test
    files present in ``tree``, leaving out the ``deselect`` ids."""
    present = [t for t in tests if (tree / t).exists()]
    if not present:
        return "no tests", []
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider", *(["-x"] if stop_first else []),
               *present, *(f"--deselect={d}" for d in deselect)]
    try:
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout,
                              start_new_session=True)
    except subprocess.TimeoutExpired:
        return "timeout", []
    failed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    if done.returncode not in (0, 1):  # 2: interrupted (a collection error), 5: nothing collected, ...
        return f"error (pytest exit {done.returncode})", failed
    return ("passed" if done.returncode == 0 else "failed"), failed


def run(per_module: int, seed: int, timeout: float, tests_from: str | None, log=print) -> dict:
    """Apply each sampled mutation alone in a scratch copy and run its module's tests. Tests
    that already fail unmutated are left out of the mutation runs (and listed)."""
    picked = sample(per_module, seed)
    outcomes: list[tuple[Mutation, str]] = []
    with tempfile.TemporaryDirectory(prefix="kg-mutate-") as tmp:
        tree = Path(tmp) / "kg-checkout"
        scratch_copy(tree, tests_from)
        broken: dict[str, list[str]] = {}
        for file, tests in TARGETS.items():
            result, failed = run_tests(tree, tests, timeout * 3, stop_first=False)
            if result not in ("passed", "failed"):
                raise SystemExit(f"the tests of {file} do not run unmutated ({result}): fix them first")
            broken[file] = failed
        log(f"failing unmutated (left out): {broken}")
        for i, m in enumerate(picked, 1):
            path = tree / m.file
            original = path.read_text(encoding="utf-8")
            path.write_text(original[:m.start] + m.new + original[m.end:], encoding="utf-8")
            started = time.monotonic()
            try:
                result, _ = run_tests(tree, TARGETS[m.file], timeout, broken[m.file])
            finally:
                path.write_text(original, encoding="utf-8")
            # a mutation that breaks the import (pytest exit 2) is caught too; "no tests" is not
            outcome = {"failed": "caught", "timeout": "caught (timeout)", "passed": "SURVIVED",
                       "error (pytest exit 2)": "caught (collection)"}.get(result, result)
            outcomes.append((m, outcome))
            log(f"[{i}/{len(picked)}] {outcome:<16} {time.monotonic() - started:5.0f} s  {m}")
    return {"broken": broken, "outcomes": outcomes}


def report(result: dict, per_module: int, seed: int, tests_from: str | None) -> str:
    outcomes = result["outcomes"]
    survivors = [m for m, o in outcomes if o == "SURVIVED"]
    broken = sorted({t for failed in result["broken"].values() for t in failed})
    lines = ["# Mutation survivors: written by `python -m benchmarks.mutate` (do not edit by hand)",
             f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; seed {seed}, {per_module} per module; "
             f"tests from {tests_from or 'the working tree'}",
             f"# {len(outcomes)} mutations run, {len(outcomes) - len(survivors)} caught, {len(survivors)} survived",
             f"# tests failing before any mutation, left out: {', '.join(broken) or 'none'}"]
    lines += [str(m) for m in survivors]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mutation-test kg's core modules in a scratch copy.")
    parser.add_argument("--per-module", type=int, default=4, help="mutations sampled per module (default 4)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per mutation's test run")
    parser.add_argument("--tests-from", help="a git revision whose tests/ to run instead of the working tree's")
    parser.add_argument("-o", "--output", type=Path, default=SURVIVORS, help="the survivors file")
    parser.add_argument("--list", action="store_true", help="print the sampled mutations and stop")
    args = parser.parse_args(argv)
    if args.list:
        for m in sample(args.per_module, args.seed):
            print(m)
        return 0
    result = run(args.per_module, args.seed, args.timeout, args.tests_from)
    text = report(result, args.per_module, args.seed, args.tests_from)
    args.output.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
