"""Where the shipped ontology and data live, installed or in a source checkout."""

from __future__ import annotations

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


DEFAULT_OUT = Path("build")
