"""The build folder (--build-dir): kg removes and replaces only what it made there.

A folder kg builds into carries kg's marker (``.kg-build``); each generation carries its own
(``.kg-generation``). A folder that holds anything else and no marker is refused with nothing
touched; inside a marked folder, folders and files kg did not make are neither counted,
pruned nor replaced, and the lock file is opened without following a link."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.errors import KgError
from kg.store.build import BUILD_MARKER, GENERATION_MARKER, build, generation_name, own_generations
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
    return CliRunner().invoke(main, ["build", "--data", str(data), "--build-dir", str(out), *extra])


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
    plain = tmp_path / "plainfile"
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


# ---------------------------------------------------------------- the option and its default

def test_default_build_is_in_the_per_user_cache_keyed_by_the_data(mini, tmp_path, monkeypatch):
    """Without --build-dir a build goes to $XDG_CACHE_HOME/kg/<data name>-<hash of its path>,
    one folder per dataset, claimed with kg's marker; nothing lands in the working folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    other = tmp_path / "other" / "mini"
    other.parent.mkdir()
    other.symlink_to(mini)  # another path to the same folder resolves to the same build
    result = CliRunner().invoke(main, ["build", "--data", str(mini)])
    assert result.exit_code == 0, result.output
    folders = list((cache / "kg").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("mini-")
    assert (folders[0] / BUILD_MARKER).is_file() and (folders[0] / "graph.ttl").exists()
    assert str(folders[0]) in result.output
    assert list(work.iterdir()) == []
    again = CliRunner().invoke(main, ["build", "--data", str(other)])
    assert "up to date" in again.output and list((cache / "kg").iterdir()) == folders
    copy = tmp_path / "copy"
    copy.mkdir()
    for f in mini.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    CliRunner().invoke(main, ["build", "--data", str(copy)])
    assert len(list((cache / "kg").iterdir())) == 2  # another dataset, another build


@pytest.mark.parametrize("name", ["graph.html", "ranking.CSV", "gaps.xlsx", "out.json", "graph.ttl"])
@pytest.mark.parametrize("option", ["--build-dir", "--out"])
def test_build_dir_that_looks_like_a_file_is_a_usage_error(mini, tmp_path, monkeypatch, name, option):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["viz", "--data", str(mini), option, name])
    assert result.exit_code == 2, result.output
    assert "looks like a file" in result.output and "-o/--output" in result.output
    assert not (tmp_path / name).exists() and "Traceback" not in result.output


def test_out_is_an_old_name_that_still_works_and_warns(mini, tmp_path):
    out = tmp_path / "b"
    result = CliRunner().invoke(main, ["build", "--data", str(mini), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "--out is the old name of --build-dir" in result.output
    assert (out / BUILD_MARKER).is_file()
    assert not re.search(r"--out\b", CliRunner().invoke(main, ["build", "--help"]).output)  # hidden
    quiet = CliRunner().invoke(main, ["build", "--data", str(mini), "--build-dir", str(out)])
    assert quiet.exit_code == 0 and "warning" not in quiet.output


def test_every_command_that_builds_takes_build_dir():
    for name, command in main.commands.items():
        options = {o for p in command.params for o in p.opts}
        if "--data" in options and name not in ("validate", "extract"):
            assert "--build-dir" in options, name


def test_generation_names_sort_in_the_order_they_were_made_across_a_second():
    # Seconds and nanoseconds are read from one instant; reading the clock twice named a build
    # made at x.999 s after one made at x+1.003 s "later" only by luck (seen failing on CI).
    just_before = generation_name(1_764_556_793_999_999_999, 9)
    just_after = generation_name(1_764_556_794_003_921_672, 9)
    assert just_before == "gen-20251201T023953-999999999-9"
    assert just_after == "gen-20251201T023954-003921672-9"
    assert sorted([just_after, just_before]) == [just_before, just_after]
