"""Merge the accepted rows of a review into a dataset folder, all or nothing.

The dataset is copied to a temporary folder beside it; the accepted rows are written into the
copy's CSV files (an ``update`` replaces the row with the same id, a ``new`` row is appended,
a project's ``products`` become project_products rows with ``inferred=true``); the copy is
checked by :func:`kg.store.build.check` — the same reading, tidying, contract and SHACL checks as
``kg build`` — and only then swapped in for the dataset folder in one step (``renameat2``
with ``RENAME_EXCHANGE``; where the system lacks it, each changed file is replaced by an atomic
rename, all of them staged first). If anything fails, the dataset is as it was.

Rows of the dataset that the review does not touch are written back cell for cell as they
were read (the CSV text is re-serialised, the values unchanged).
"""

from __future__ import annotations

import csv
import ctypes
import errno
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kg.analysis.changes import Changes, changes, version_store
from kg.cells import neutralise
from kg.errors import KgError
from kg.extract.review import REVIEW_TABLES, accepted, read_review
from kg.store.build import validate_dataset
from kg.tables.read import DataErrors, DataIssue, decode
from kg.tables.schema import TABLES

RENAME_EXCHANGE = 2


@dataclass
class MergeResult:
    """What a merge wrote: rows added and replaced per table, and the tables' files."""

    added: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    if not path.exists():
        return [], []
    issues: list[DataIssue] = []
    text = decode(path.read_bytes(), path.name, issues)
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r)]
    return (rows[0], rows[1:]) if rows else ([], [])


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def plan_rows(review: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    """The accepted rows by target table; a project's ``products`` become project_products
    rows (``link``: kept as they are when the project already has them)."""
    out: dict[str, list[dict[str, str]]] = {}
    for table in REVIEW_TABLES:
        for row in review.get(table, []):
            if not accepted(row.get("accept", "")):
                continue
            out.setdefault(table, []).append(row)
            if table == "projects":
                for product in [p for p in row.get("products", "").replace("；", ";").split(";") if p.strip()]:
                    out.setdefault("project_products", []).append({
                        "project": row.get("id", ""), "product": product.strip(), "inferred": "true",
                        "source": row.get("source", ""), "quote": row.get("quote", ""), "action": "link",
                        "_row": row.get("_row", "")})
    return out


def apply_rows(folder: Path, rows: dict[str, list[dict[str, str]]]) -> MergeResult:
    """Write ``rows`` into the CSV tables of ``folder`` (a copy): updates replace the row with
    the same key, new rows are appended; a column the file lacks is added at the end."""
    result = MergeResult()
    for table, new_rows in rows.items():
        spec = TABLES[table]
        path = folder / spec.file
        header, body = _read_csv(path)
        if not header:
            header = [c.name for c in spec.columns]
        for name in (c.name for c in spec.columns):
            if name not in header and any(r.get(name, "") for r in new_rows):
                header.append(name)
                body = [r + [""] * (len(header) - len(r)) for r in body]
        keys = [header.index(k) if k in header else None for k in spec.key]
        index = {tuple(r[i].strip().lower() if i is not None and i < len(r) else "" for i in keys): n
                 for n, r in enumerate(body)}
        for row in new_rows:
            cells = [neutralise(row.get(name, "")) for name in header]
            key = tuple(row.get(k, "").strip().lower() for k in spec.key)
            if key in index and row.get("action") == "link":
                continue  # the project already makes this product: its row stays as it is
            if key in index:
                if row.get("action") != "update":
                    raise DataErrors([DataIssue(f"review: {table}", int(row.get("_row") or 0) or None,
                                                ", ".join(spec.key), ", ".join(key),
                                                f"already in {spec.file} and the row is not marked action=update: "
                                                "give it another id or mark it as an update")])
                body[index[key]] = cells
                result.replaced[table] = result.replaced.get(table, 0) + 1
            else:
                index[key] = len(body)
                body.append(cells)
                result.added[table] = result.added.get(table, 0) + 1
        _write_csv(path, header, body)
        result.files.append(spec.file)
    return result


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EPERM, errno.EXDEV):
        return False
    raise OSError(ctypes.get_errno(), f"could not swap {a} and {b}")


def swap_in(copy: Path, data: Path, files: list[str]) -> None:
    """Put the checked copy in the dataset's place (see the module's docstring)."""
    if _exchange(copy, data):
        shutil.rmtree(copy)  # now the previous version, which the swap replaced whole
        return
    staged = []
    try:
        for name in files:
            handle, tmp = tempfile.mkstemp(dir=data, prefix=f".{name}.")
            os.close(handle)
            shutil.copyfile(copy / name, tmp)
            staged.append((tmp, data / name))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        shutil.rmtree(copy, ignore_errors=True)


def merge(review_path: Path, data: Path) -> tuple[MergeResult, Path]:
    """Merge the accepted rows of the review at ``review_path`` into the dataset folder
    ``data``; returns what was written and the checked copy, not yet swapped in (call
    :func:`swap_in`). The copy is checked as ``kg build`` checks (:func:`kg.store.build.check`):
    when it is not valid, :class:`~kg.tables.DataErrors` names every problem, the copy is
    removed and the dataset is untouched."""
    data = Path(data)
    if not data.is_dir():
        raise KgError(f"--data {data}: kg merge writes into a folder of CSV tables (a workbook is not supported)")
    rows = plan_rows(read_review(Path(review_path)))
    if not rows:
        raise KgError(f"{review_path}: no row is accepted (set accept to yes on the rows to merge)")
    copy = Path(tempfile.mkdtemp(dir=data.parent, prefix=f".{data.name}.merge-"))
    try:
        shutil.copytree(data, copy, dirs_exist_ok=True, symlinks=True)
        shutil.copystat(data, copy)
        result = apply_rows(copy, rows)
        validate_dataset(copy)
    except BaseException:
        shutil.rmtree(copy, ignore_errors=True)
        raise
    return result, copy


def merge_into(review_path: Path, data: Path, out: Path) -> tuple[MergeResult, Changes]:
    """Merge, find what moves (as ``kg changes`` does: both versions built into ``out``), then
    swap the merged tables in. Nothing in ``data`` changes unless all of it succeeds."""
    result, copy = merge(review_path, data)
    try:
        moved = changes(version_store(data, out), version_store(copy, out))
    except BaseException:
        shutil.rmtree(copy, ignore_errors=True)
        raise
    swap_in(copy, data, result.files)
    return result, moved
