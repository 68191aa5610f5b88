"""Where the shipped ontology and data live, installed or in a source checkout, and where a
dataset's build goes by default (a per-user cache keyed by the data)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # Installed: kg/data and kg/ontology; in a checkout: the top-level folders beside kg/.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the shipped {name} folder is missing beside {_PACKAGE}")


def default_data_dir() -> Path:
    """The default dataset (the Alxa High-tech Zone's 5+2 chains)."""
    return _shipped("data")


def ontology_dir() -> Path:
    """The folder holding ``kg.ttl`` (the ontology) and ``shapes.ttl`` (SHACL shapes)."""
    return _shipped("ontology")


def ontology_file() -> Path:
    return ontology_dir() / "kg.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def cache_root() -> Path:
    """kg's per-user cache folder: ``$XDG_CACHE_HOME/kg``, else ``~/.cache/kg``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "kg"


def default_build_dir(data: Path | None = None) -> Path:
    """The build folder a dataset gets when none is given: one folder per dataset in the
    per-user cache (:func:`cache_root`), named by the data folder's (or workbook's) name and a
    hash of its resolved path, so two datasets never share a build and the working folder is
    never littered.

    >>> default_build_dir(Path("/parks/alxa/data")).name.startswith("data-")
    True
    >>> default_build_dir(Path("/a/data")) != default_build_dir(Path("/b/data"))
    True
    """
    data = Path(data) if data is not None else default_data_dir()
    resolved = str(data.expanduser().resolve())
    digest = hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", data.name)[:40].strip("._") or "data"
    return cache_root() / f"{name}-{digest}"
