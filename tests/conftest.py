"""Shared fixtures: copies of datasets to break, and one build of the shipped data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg.paths import default_data_dir

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini"
REQUIRE_ALL = bool(os.environ.get("KG_REQUIRE_ALL"))


def skip_or_fail(reason: str) -> None:
    """Skip for a missing system tool on a user's machine; fail on CI (KG_REQUIRE_ALL=1)."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (KG_REQUIRE_ALL is set, so nothing may skip)")
    pytest.skip(reason)


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small hand-made dataset."""
    target = tmp_path / "mini"
    shutil.copytree(MINI, target)
    return target


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped dataset."""
    target = tmp_path / "data"
    shutil.copytree(default_data_dir(), target, ignore=shutil.ignore_patterns("*.md", "*.txt"))
    return target


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory) -> Path:
    """The build folder of the shipped dataset, built once per test session."""
    from kg.build import build

    out = tmp_path_factory.mktemp("shipped") / "build"
    build(default_data_dir(), out)
    return out


@pytest.fixture(scope="session")
def shipped_store(shipped_build: Path):
    from kg.store import open_store

    return open_store(data=default_data_dir(), out=shipped_build)
