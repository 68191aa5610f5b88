"""Every notebook in notebooks/ runs top to bottom on a fresh kernel without an error."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def shared_tmp(tmp_path_factory) -> Path:
    """The notebooks' temp directory: they build there, and share one build."""
    return tmp_path_factory.mktemp("notebooks-tmp")


def test_the_three_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["01_overview", "02_gap_analysis", "03_sparql"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, shared_tmp, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("TMPDIR", str(shared_tmp))  # the kernel's tempfile.gettempdir()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    assert list(tmp_path.iterdir()) == []  # nothing written into the working directory
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum(1 for o in outputs if o.get("output_type") == "execute_result") >= 5
