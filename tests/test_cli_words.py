"""The command line as a new user meets it: tables that fit the terminal, the report's words
and number formats, usage errors with a hint, warnings instead of silent empty answers, and
one vocabulary (kg.words) shared by the CLI, the report and the explorer."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from kg import words
from kg.analysis.gaps import analyse
from kg.cli import main
from kg.outputs.explorer import explorer_data
from kg.outputs.report.page import index_html
from kg.outputs.text import _width, fit_table, wrap_text
from kg.store.sparql import canned_queries


def kg(shipped_build, *args: str):
    """kg writing into a pipe (COLUMNS unset, whatever the shell running the tests says)."""
    return CliRunner().invoke(main, [*args, "--build-dir", str(shipped_build)], env={"COLUMNS": None})


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ranking_fits_the_terminal_and_the_reason_wraps_whole(shipped_build, columns, lang):
    result = CliRunner().invoke(
        main, ["gaps", "--ranking", "--top", "8", "--lang", lang, "--build-dir", str(shipped_build)],
        env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(_width(line) for line in lines) <= columns
    assert "…" not in result.stdout.split("\n", 2)[2].split("  ")[-1]  # the reason column is never cut
    # Every reason is there whole, wrapped over its row's lines.
    ranking = json.loads(kg(shipped_build, "gaps", "--ranking", "--top", "8", "--format", "json").output)
    flat = re.sub(r"\s+", "", result.stdout)
    for row in ranking:
        assert re.sub(r"\s+", "", row[f"reason_{lang}"]) in flat
    assert "--format csv" in result.stderr  # the columns left out are said, on stderr


@pytest.mark.parametrize("columns", [None, "80", "200"])
def test_every_view_prints_as_a_table(shipped_build, columns):
    """The default view (one row per gap, no rank range), the ranking of each list and the
    completeness print in a pipe and in a narrow or wide terminal."""
    views = [[], ["--type", "upstream_break"], ["--completeness"],
             *[["--ranking", "--list", name] for name in ("recruit", "develop", "secure", "gated")]]
    for view in views:
        result = CliRunner().invoke(main, ["gaps", *view, "--top", "4", "--build-dir", str(shipped_build)],
                                    env={"COLUMNS": columns})
        assert result.exit_code == 0, (view, result.output)
        assert len(result.stdout.splitlines()) >= 2, view


def test_piped_ranking_keeps_every_column(shipped_build):
    result = kg(shipped_build, "gaps", "--ranking", "--top", "3", "--lang", "en")
    header = result.output.splitlines()[0]
    for name in ("Rank", "Score", "Reason", "feedstock readiness", "Companies to approach"):
        assert name in header


def test_cli_report_and_explorer_use_the_same_words(shipped_build, shipped_store):
    """The same thing has the same name and number format in the terminal table, the
    report page and the explorer."""
    analysis = analyse(shipped_store)
    page = index_html(analysis, shipped_store, "zh", top=5)
    table = kg(shipped_build, "gaps", "--ranking", "--top", "5").output
    ranking = json.loads(kg(shipped_build, "gaps", "--ranking", "--top", "5", "--format", "json").output)
    data = explorer_data(analysis.graph, lang="zh")
    header = table.splitlines()[0]
    for key in ("rank", "product", "chain", "gap_type", "score", "reason"):
        zh = words.COLUMNS[key][0]
        assert zh in header and f"<th>{zh}</th>" in page, key
    assert data["ui"]["score"] == words.COLUMNS["score"][0] and data["ui"]["gap"] == words.COLUMNS["gap_type"][0]
    chain_names = {c["id"]: c["label_zh"] for c in data["chains"]}
    for row in ranking:
        score = words.score_text(row["score"])  # 3 decimals everywhere
        assert score in table and score in page
        for chain in row["chains"]:
            assert chain_names[chain] in table and chain_names[chain] in page
        gap = words.GAP_TYPES[row["gap_type"]][0]
        assert gap in table and gap in page and data["terms"][f"gap:{row['gap_type']}"][0] == gap
    for status, (zh, _) in words.PRODUCT_STATUSES.items():
        assert data["terms"][status][0] == zh
    assert "得分" not in header and "原因" not in header  # the old twins


def test_completeness_in_chinese_shows_chain_names_and_kinds(shipped_build):
    result = kg(shipped_build, "gaps", "--completeness")
    assert result.exit_code == 0, result.output
    assert "盐化工" in result.output and "核心链" in result.output and "延伸链" in result.output
    assert not re.search(r"\b(salt|core|extension|new-energy)\b", result.output)
    assert re.search(r"\d+\.\d%", result.output)  # as the report shows it


def test_unknown_chain_is_a_usage_error_with_a_hint(shipped_build):
    result = kg(shipped_build, "gaps", "--chain", "flourine")
    assert result.exit_code == 2, result.output
    assert "did you mean fluorine" in result.output and "Traceback" not in result.output
    by_name = kg(shipped_build, "gaps", "--chain", "盐化工")
    assert by_name.exit_code == 2 and "did you mean salt?" in by_name.output


def test_query_warns_on_an_id_that_names_nothing(shipped_build):
    result = CliRunner().invoke(
        main, ["query", "upstream-of", "--param", "product=methionin", "--build-dir", str(shipped_build)])
    assert result.exit_code == 0
    assert "no product with the id 'methionin'" in result.stderr and "did you mean methionine" in result.stderr
    fine = CliRunner().invoke(
        main, ["query", "upstream-of", "--param", "product=methionine", "--build-dir", str(shipped_build)])
    assert fine.stderr == ""


@pytest.mark.parametrize("text, under", [
    # the engine names the ")" (column 76, counted in characters); 盐化工 takes 6 terminal columns
    ('SELECT ?p WHERE { ?p rdfs:label "盐化工" ; kg:zoneStatus kg:missing . FILTR(?p) }', ")"),
    # the engine names the end of the text (line 3): the caret goes after the last line with text
    ("SELECT ?p WHERE {\n  ?p kg:segment ?s FILTER(?s = 3 }\n", None),
])
def test_syntax_error_caret_sits_under_the_named_character(text, under):
    result = CliRunner().invoke(main, ["query", text])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    caret = next(i for i, line in enumerate(lines) if line.strip() == "^")
    shown, mark = lines[caret - 1], lines[caret]
    column = _width(mark[:mark.index("^")])
    # the character whose display columns start where the caret is
    at, seen = None, 0
    for char in shown:
        if seen == column:
            at = char
            break
        seen += _width(char)
    assert at == under, (shown, mark)
    if under is None:
        assert column == _width(shown) and "3 }" in shown


def test_query_help_shows_each_example_on_its_own_line():
    help_text = CliRunner().invoke(main, ["query", "--help"]).output
    lines = [line.strip() for line in help_text.splitlines()]
    assert "kg query upstream-of --param product=methionine" in lines
    assert "kg query 'SELECT ?p WHERE { ?p kg:zoneStatus kg:missing }' --format csv" in lines


ENGINE_WORDS = re.compile(r"Oxigraph|MINUS|UNION|property path|anti-join|kg:|evaluated|\?[a-z]", re.I)


def test_canned_queries_say_what_they_answer_in_both_languages():
    for query in canned_queries():
        assert re.search(r"[\u4e00-\u9fff]", query.description_zh), query.name
        assert query.description_en and not re.search(r"[\u4e00-\u9fff]", query.description_en), query.name
        assert not ENGINE_WORDS.search(query.description_zh + query.description_en), query.name
    zh = CliRunner().invoke(main, ["queries"]).output
    en = CliRunner().invoke(main, ["queries", "--lang", "en"]).output
    first = canned_queries()[0]
    assert first.description_zh in zh and first.description_en in en
    assert not ENGINE_WORDS.search(zh) and "MINUS" not in en


def test_wrap_and_fit_helpers():
    for line in wrap_text("氢化钠：区内无生产企业，也无在建或规划项目", 10):
        assert not line.startswith(("，", "、", "。"))
    import pandas as pd

    frame = pd.DataFrame({"a": ["x" * 20], "b": ["y" * 20], "reason": ["word " * 30]})
    text, dropped = fit_table(frame, 50, "reason", ("b", "a"))
    assert dropped == ["b"] and max(_width(line) for line in text.splitlines()) <= 50
    text, dropped = fit_table(frame, None, "reason", ("b", "a"))
    assert dropped == [] and "word " * 29 in text
