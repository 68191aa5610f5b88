"""The build folder's generations: ``current`` names the last good one, whose manifest records
what it was built from (see :mod:`kg.store.build`)."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = "manifest.json"


def current_generation(out: Path) -> Path | None:
    """The folder of the last good build in ``out``, or None when there is none."""
    link = Path(out) / "current"
    if not link.is_symlink() and not link.is_dir():
        return None
    target = link.resolve()
    return target if (target / MANIFEST).exists() else None


def read_manifest(out: Path) -> dict | None:
    generation = current_generation(out)
    if generation is None:
        return None
    return generation_manifest(generation)


def generation_manifest(generation: Path) -> dict:
    """The manifest a build wrote into ``generation`` (a generation folder)."""
    return json.loads((generation / MANIFEST).read_text(encoding="utf-8"))

