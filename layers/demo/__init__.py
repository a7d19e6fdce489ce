"""The bundled Guiyang demo region: real county boundaries, synthetic zoning layers.

Not for real decisions. The files under ``guiyang/`` are written by ``layers/demo/build.py``
(``python -m layers.demo.build``), deterministically from seed 20261121.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).parent / "guiyang"
"""Folder of the demo region's data."""

DEMO_CATALOG = DEMO_DIR / "catalog.toml"
"""The demo catalog."""

DEMO_PROJECTS = DEMO_DIR / "projects.geojson"
"""The demo project list (WGS84)."""

DEMO_EXTRA_PROJECTS = (DEMO_DIR / "projects_gcj02.csv", DEMO_DIR / "parcel_2000.txt")
"""Further project files: point projects in GCJ-02 (read with coords ``gcj02``) and one parcel
in the boundary-point TXT format (GBK, CGCS2000 3° Gauss-Krüger zone 35)."""

DEMO_EXPECTED = DEMO_DIR / "expected_verdicts.csv"
"""Expected verdict and reason of every demo project (columns file, project_id,
expected_verdict, reason)."""

__all__ = ["DEMO_CATALOG", "DEMO_DIR", "DEMO_EXPECTED", "DEMO_EXTRA_PROJECTS", "DEMO_PROJECTS"]
