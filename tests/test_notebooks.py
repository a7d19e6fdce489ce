"""Execute every notebook in notebooks/ (the reviewer's and the planner's flows)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _kernel_name() -> str:
    """The venv's python3 kernel; installed into the venv when missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
        if Path(spec.argv[0]).resolve().parent == Path(sys.executable).resolve().parent or \
                spec.argv[0] in ("python", "python3", "{python}"):
            return "python3"
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(prefix=sys.prefix, kernel_name="python3")
    return "python3"


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name=_kernel_name(),
                                     resources={"metadata": {"path": str(path.parent)}})
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")  # saved with outputs stripped
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert kinds & {"image/png", "image/svg+xml"}  # charts or map images inline
    maps = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})
            and "leaflet" in str(o["data"]["text/html"]).lower()]
    assert maps  # the interactive map inline
    text = str(nb.cells[0].source)
    assert "question" in text.lower()  # each notebook states its question
    assert any("catalog_from_folder" in c.source for c in nb.cells)  # and loads one's own data


def test_notebooks_found():
    assert any(p.stem == "reviewer_screening" for p in NOTEBOOKS)
