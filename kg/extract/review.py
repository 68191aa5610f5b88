"""The review: proposed rows laid out for a person to accept or reject, as a workbook and a
folder of CSV files.

One sheet (one CSV file) per table: sources, companies, projects, indicators, targets,
assets. Each row starts with ``accept`` (a drop-down: yes / no; only ``yes`` is merged),
``action`` (``new``, or ``update`` of the known row with the same id), ``changes`` (for an
update, every field that moves, old → new) and ``quote`` (the verbatim span), then the
table's own columns in the order of the contract (so the sheet reads like the table it goes
into), then ``products`` (projects: the product ids for project_products.csv), ``label_zh``
(targets: the words of the text), ``confidence`` and ``rule``. Every cell is written as text,
never as a formula, even when it starts with ``=`` (in the CSV files such a cell gets a ``'``
in front, :mod:`kg.cells`). A ``_read_me`` sheet says how to use it.

Known things are matched, not duplicated: a project, company, asset or indicator already in
the dataset (by its label, a company also by an alias) is proposed as an update of that row
when the article moves something (a status forward, a new year, capacity or value), and not
proposed at all when it moves nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.cells import neutralise, restore_rows
from kg.cells import workbook_bytes as text_workbook_bytes
from kg.errors import KgError
from kg.extract.known import Known
from kg.extract.rules import TABLES_PROPOSED, Proposal, pinyin_label, pinyin_slug, unique_id
from kg.files import write_atomic
from kg.tables.schema import TABLES

REVIEW_TABLES = ("sources", *TABLES_PROPOSED)
LEAD = ("accept", "action", "changes", "quote")
EXTRA = {"projects": ("products",), "targets": ("label_zh",)}
TAIL = ("confidence", "rule")
ACCEPT_WORDS = ("yes", "no")
YES = {"yes", "y", "是", "true", "1", "x", "✓", "accept", "接受"}
COMPARED = {"projects": ("status", "year", "capacity", "capacity_unit", "investment_cny", "company"),
            "indicators": ("value", "unit", "kind"), "companies": ("location",), "assets": ("kind",)}
READ_ME = [
    ["kg extract: review / 审核"],
    ["Set accept to yes for each row to merge (only yes is merged); edit any cell first if needed."],
    ["每行的 accept 选 yes 即接受（只合并 yes 的行）；合并前可直接修改单元格。"],
    ["action: new = a new row; update = replaces the known row with the same id (changes: old → new)."],
    ["action：new 为新增；update 为更新同 id 的已有行（changes 列：旧 → 新）。"],
    ["label_en is a pinyin transliteration: translate it before merging. label_en 为拼音，请改为英文。"],
    ["Merge: kg merge REVIEW --data DIR  (every check of kg build runs first; nothing is written if one fails)."],
]


@dataclass
class Review:
    """The review tables: per table a list of rows (dicts of column → text), and the plain
    text the quotes come from."""

    tables: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    text: str = ""

    def columns(self, table: str) -> list[str]:
        own = [c.name for c in TABLES[table].columns if c.name != "quote"]
        return [*LEAD, *own, *EXTRA.get(table, ()), *TAIL]

    def count(self) -> dict[str, int]:
        return {t: len(rows) for t, rows in self.tables.items()}


def _ids(known: Known, table: str) -> set[str]:
    return set(known.ids.get(table, set()))


def _changes(old: dict[str, str], new: dict[str, str], fields: tuple[str, ...]) -> list[str]:
    return [f"{f}: {old.get(f, '') or '∅'} → {new.get(f, '')}" for f in fields
            if new.get(f, "") and new.get(f, "") != old.get(f, "")]


def _base(p: Proposal) -> dict[str, str]:
    row = {k: v for k, v in p.row.items() if not k.startswith("_")}
    row.update(quote=p.quote, confidence=f"{p.confidence:.2f}", rule=p.rule, accept="", action="new", changes="")
    return row


def build_review(proposals: list[Proposal], known: Known, source: dict[str, str] | None = None,
                 text: str = "") -> Review:
    """The review of ``proposals``: ids given, companies linked to their rows, known things
    turned into updates (or left out when nothing moves)."""
    review = Review({t: [] for t in REVIEW_TABLES}, text)
    if source and source["id"] not in known.ids.get("sources", set()):
        review.tables["sources"].append({**source, "accept": "", "action": "new", "changes": "", "quote": "",
                                         "confidence": "1.00", "rule": "article"})
    taken = {t: _ids(known, t) for t in TABLES_PROPOSED}
    company_ids: dict[str, str] = {}
    for p in (p for p in proposals if p.table == "companies"):
        row = _base(p)
        old = known.company(p.row["label_zh"])
        if old:
            company_ids[p.row["label_zh"]] = old["id"]
            continue  # a known company: nothing of it moves here
        cid = unique_id(pinyin_slug(p.row["label_zh"], 3), taken["companies"])
        company_ids[p.row["label_zh"]] = cid
        row.update(id=cid, label_en=pinyin_label(p.row["label_zh"]))
        review.tables["companies"].append(row)
    for p in (p for p in proposals if p.table == "projects"):
        row = _base(p)
        row["company"] = company_ids.get(p.row.get("_company_label", ""), "")
        row["products"] = ";".join(dict.fromkeys(p.products))
        old = known.project(p.row["label_zh"])
        if old:
            if not row.get("status"):
                row["status"] = old.get("status", "")  # a plan does not erase a stated status
            moved = _changes(old, row, COMPARED["projects"])
            if not moved:
                continue
            merged = {**old, **{k: v for k, v in row.items() if v}}
            merged.update(id=old["id"], label_zh=old["label_zh"], label_en=old["label_en"], action="update",
                          changes="; ".join(moved), note=row.get("note", ""), accept="")
            review.tables["projects"].append(merged)
            continue
        rest = p.row["label_zh"][len(p.row.get("_company_label", "")):]
        what = p.products[0] if p.products else pinyin_slug(rest, 3)
        base = "-".join(x for x in (row["company"], what) if x) or pinyin_slug(p.row["label_zh"], 3)
        row.update(id=unique_id(base, taken["projects"]), label_en=pinyin_label(p.row["label_zh"]))
        review.tables["projects"].append(row)
    for p in (p for p in proposals if p.table == "indicators"):
        row = _base(p)
        old = next((r for r in known.rows("indicators") if r["label_zh"] == row["label_zh"]
                    and r["year"] == row["year"]), None)
        if old:
            moved = _changes(old, row, COMPARED["indicators"])
            if not moved:
                continue
            row.update(id=old["id"], label_en=old["label_en"], action="update", changes="; ".join(moved))
        else:
            base = f"{pinyin_slug(re.sub(r'（.*?）', '', row['label_zh']), 3)}-{row['year']}"
            row.update(id=unique_id(base, taken["indicators"]), label_en=pinyin_label(row["label_zh"]))
        review.tables["indicators"].append(row)
    targeted = {(r["product"], r["source"]) for r in known.rows("targets")}
    for p in (p for p in proposals if p.table == "targets"):
        if (p.row["product"], p.row["source"]) not in targeted:
            review.tables["targets"].append(_base(p))
    for p in (p for p in proposals if p.table == "assets"):
        row = _base(p)
        row["company"] = company_ids.get(p.row.get("_company_label", ""), "")
        old = known.by_label("assets", row["label_zh"])
        if old:
            continue
        row.update(id=unique_id(f"{row['kind']}-{pinyin_slug(row['label_zh'], 3)}", taken["assets"]),
                   label_en=pinyin_label(row["label_zh"]))
        review.tables["assets"].append(row)
    return review


# ---- writing ------------------------------------------------------------------------------

def review_csv(review: Review, table: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = review.columns(table)
    writer.writerow(columns)
    for row in review.tables.get(table, []):
        writer.writerow([neutralise(row.get(c, "")) for c in columns])
    return buffer.getvalue().encode("utf-8")


def review_workbook(review: Review) -> bytes:
    """The review as an .xlsx workbook: a sheet per table, the accept drop-down, every cell text."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    notes = book.active
    notes.title = "_read_me"
    for line in READ_ME:
        notes.append(line)
    notes.column_dimensions["A"].width = 110
    bold, update = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")
    for table in REVIEW_TABLES:
        sheet = book.create_sheet(table)
        columns = review.columns(table)
        for position, name in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=position, value=name)
            cell.font = bold
            width = {"quote": 48, "changes": 36, "label_zh": 24, "note": 30}.get(name, 12)
            sheet.column_dimensions[get_column_letter(position)].width = width
        sheet.freeze_panes = "E2"
        for number, row in enumerate(review.tables.get(table, []), start=2):
            for position, name in enumerate(columns, start=1):
                value = ILLEGAL_CHARACTERS_RE.sub("", str(row.get(name, "")))
                cell = sheet.cell(row=number, column=position)
                cell.value = value
                cell.data_type = "s"  # text, never a formula, even when it starts with '='
                if name == "quote":
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if row.get("action") == "update":
                    cell.fill = update
        rule = DataValidation(type="list", formula1='"' + ",".join(ACCEPT_WORDS) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle="accept", error="yes or no")
        rule.add(f"A2:A{max(2, len(review.tables.get(table, [])) + 200)}")
        sheet.add_data_validation(rule)
    return text_workbook_bytes(book)


def write_review(review: Review, output: Path, force: bool = False) -> list[Path]:
    """Write the review as ``output`` (a workbook ``*.xlsx``, with a CSV folder of the same name
    beside it) or, for any other name, as a CSV folder only; with ``text.txt`` (the plain text
    the quotes are copied from) in the folder."""
    output = Path(output)
    folder = output.with_suffix("") if output.suffix.lower() == ".xlsx" else output
    targets = [output] if output.suffix.lower() == ".xlsx" else []
    targets += [folder / f"{t}.csv" for t in REVIEW_TABLES]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise KgError(f"{', '.join(existing[:3])} already exist(s): use --force to replace")
    if output.suffix.lower() == ".xlsx":
        write_atomic(output, review_workbook(review))
    for table in REVIEW_TABLES:
        write_atomic(folder / f"{table}.csv", review_csv(review, table))
    write_atomic(folder / "text.txt", review.text.encode("utf-8"))
    return targets


# ---- reading back -------------------------------------------------------------------------

def accepted(value: str) -> bool:
    return value.strip().lower() in YES


def read_review(path: Path) -> dict[str, list[dict[str, str]]]:
    """The rows of a review (workbook or CSV folder) by table, each with the spreadsheet row
    number in ``_row``; every row, accepted or not."""
    path = Path(path)
    out: dict[str, list[dict[str, str]]] = {}
    if path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        for table in REVIEW_TABLES:
            if table not in book.sheetnames:
                continue
            rows = list(book[table].iter_rows(values_only=True))
            out[table] = _records(rows, f"{table} (sheet)")
        return out
    if path.is_dir():
        for table in REVIEW_TABLES:
            file = path / f"{table}.csv"
            if file.exists():
                text = file.read_text(encoding="utf-8-sig")
                rows = restore_rows(text, list(csv.reader(io.StringIO(text, newline=""))))
                out[table] = _records(rows, file.name)
        if out:
            return out
    raise KgError(f"{path}: not a review (an .xlsx workbook or a folder of CSV files written by kg extract)")


def _records(rows: list, where: str) -> list[dict[str, str]]:
    if not rows:
        return []
    header = ["" if h is None else str(h).strip() for h in rows[0]]
    if "accept" not in header:
        raise KgError(f"{where}: no 'accept' column in the header")
    records = []
    for number, values in enumerate(rows[1:], start=2):
        cells = ["" if v is None else str(v).strip() for v in values]
        if not any(cells):
            continue
        record = dict(zip(header, cells + [""] * (len(header) - len(cells))))
        record["_row"] = str(number)
        records.append(record)
    return records
