"""The build folder (--out): kg removes and replaces only what it made there.

A folder kg builds into carries kg's marker (``.kg-build``); each generation carries its own
(``.kg-generation``). A folder that holds anything else and no marker is refused with nothing
touched; inside a marked folder, folders and files kg did not make are neither counted,
pruned nor replaced, and the lock file is opened without following a link."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import KgError
from kg.store.build import BUILD_MARKER, GENERATION_MARKER, build, own_generations
from kg.store.generations import current_generation


def snapshot(folder: Path) -> dict[str, object]:
    """Every entry under ``folder``: a file's bytes, a link's target, or 'dir'."""
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = ("link", os.readlink(path))
        elif path.is_dir():
            found[name] = "dir"
        else:
            found[name] = path.read_bytes()
    return found


def kg_build(data: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out), *extra])


def test_folder_of_user_files_is_refused_and_left_untouched(mini, tmp_path):
    out = tmp_path / "mine"
    (out / "gen-zz-mine").mkdir(parents=True)
    (out / "gen-zz-mine" / "thesis.txt").write_text("years of work", encoding="utf-8")
    (out / ".tmp-draft").mkdir()
    (out / ".tmp-draft" / "draft.txt").write_text("draft", encoding="utf-8")
    (out / "graph.ttl").write_text("# my own graph\n", encoding="utf-8")
    (out / "graph.nt").write_text("# my own triples\n", encoding="utf-8")
    (out / "notes.md").write_text("notes", encoding="utf-8")
    before = snapshot(out)
    result = kg_build(mini, out)
    assert result.exit_code == 1, result.output
    assert "not a kg build folder" in result.output and str(out) in result.output
    assert "Traceback" not in result.output
    assert snapshot(out) == before  # not even a lock file or a marker was added


def test_new_or_empty_folder_is_marked_and_used(mini, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (empty, tmp_path / "new" / "build"):
        result = build(mini, out)
        assert (out / BUILD_MARKER).is_file()
        assert (result.generation / GENERATION_MARKER).is_file()
        assert own_generations(out) == [result.generation]


def test_user_folders_inside_a_build_folder_are_neither_counted_nor_pruned(mini, tmp_path):
    out = tmp_path / "build"
    first = build(mini, out).generation
    mine = out / "gen-zz-mine"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine", encoding="utf-8")
    scratch = out / ".tmp-scratch"
    scratch.mkdir()
    (scratch / "keep.txt").write_text("scratch", encoding="utf-8")
    copied = out / "gen-00-copy"  # a copy of a generation under another name is not kg's generation
    copied.mkdir()
    (copied / GENERATION_MARKER).write_text(first.name + "\n", encoding="utf-8")
    second = build(mini, out, force=True).generation
    third = build(mini, out, force=True).generation
    assert (mine / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert (scratch / "keep.txt").read_text(encoding="utf-8") == "scratch"
    assert copied.is_dir()
    # kg keeps its own current and previous generation; the user's folders took no slot.
    assert own_generations(out) == [second, third]
    assert not first.exists()
    assert current_generation(out) == third


def test_lock_that_is_a_symlink_is_not_followed(mini, tmp_path):
    out = tmp_path / "build"
    build(mini, out)
    precious = tmp_path / "precious.txt"
    precious.write_text("do not empty me", encoding="utf-8")
    (out / ".lock").unlink()
    (out / ".lock").symlink_to(precious)
    result = kg_build(mini, out, "--force")
    assert result.exit_code == 1, result.output
    assert ".lock" in result.output and "link" in result.output
    assert "Traceback" not in result.output
    assert precious.read_text(encoding="utf-8") == "do not empty me"


@pytest.mark.parametrize("name", ["graph.ttl", "graph.nt", "current"])
@pytest.mark.parametrize("kind", ["file", "folder"])
def test_user_entry_named_like_kgs_links_is_never_replaced(mini, tmp_path, name, kind):
    out = tmp_path / "build"
    build(mini, out)
    (out / name).unlink()
    if kind == "file":
        (out / name).write_text("mine", encoding="utf-8")
    else:
        (out / name).mkdir()
        (out / name / "keep.txt").write_text("mine", encoding="utf-8")
    before = snapshot(out)
    result = kg_build(mini, out, "--force")
    assert result.exit_code == 1, result.output
    assert name in result.output and "Traceback" not in result.output
    assert snapshot(out) == before


def test_out_that_is_a_file_or_under_one_is_a_clear_error(mini, tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    for out in (plain, plain / "build"):
        result = kg_build(mini, out)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and "not a folder" in result.output
    assert plain.read_text(encoding="utf-8") == "x"


def test_build_folder_of_an_older_kg_is_adopted(mini, tmp_path):
    """A build folder written before the markers existed (only kg's own names, a current
    generation with kg's manifest) is taken over, its generations with it."""
    out = tmp_path / "build"
    first = build(mini, out).generation
    (out / BUILD_MARKER).unlink()
    (first / GENERATION_MARKER).unlink()
    second = build(mini, out, force=True).generation
    assert (out / BUILD_MARKER).is_file()
    assert own_generations(out) == [first, second]


def test_refusal_is_a_kg_error_naming_what_is_there(mini, tmp_path):
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(KgError, match="holiday.jpg"):
        build(mini, out)
