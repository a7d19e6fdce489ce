"""``siting score`` with a catalog that has no DEM (new-user review 28, F1): the slope is unknown,
so a steep parcel must not pass the slope limit nor earn the flat-ground PV density. It goes to
``review`` with a reason naming the missing DEM and the fix, the terminal warns once, and the
report says the slope limit was not checked. With the DEM the same parcel is excluded by the
slope limit, as before.

Each test runs the real command on the demo catalog, copied into ``tmp_path`` without its
``dem`` raster."""

from __future__ import annotations

import re
import shutil

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from layers.demo import DEMO_CATALOG
from maps.cli import cli

STEEP = (394000.0, 3002830.0, 394310.0, 3003140.0)
"""A ~9.6 ha square (EPSG:4545) on the demo region's steep ground, clear of every exclusion layer
(inside the 16 ha parcel of the review: mean slope 27.6° in the demo DEM)."""


def _run(*args):
    return CliRunner().invoke(cli, ["score", *args])


def _no_dem_catalog(tmp):
    """The demo catalog copied into ``tmp`` with its ``[[raster]]`` of kind ``dem`` (and the
    file) removed."""
    folder = shutil.copytree(DEMO_CATALOG.parent, tmp / "catalog_nodem",
                             ignore=shutil.ignore_patterns("dem.tif"))
    text = (folder / "catalog.toml").read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[\[)", text)
    kept = [b for b in blocks if not re.search(r'(?m)^kind = "dem"$', b)]
    assert len(kept) == len(blocks) - 1    # exactly the DEM was dropped
    (folder / "catalog.toml").write_text("".join(kept), encoding="utf-8")
    return folder / "catalog.toml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The steep parcel scored with and without the DEM: {"dem"|"nodem": (folder, terminal)}."""
    tmp = tmp_path_factory.mktemp("nodem")
    cands = tmp / "steep.geojson"
    gpd.GeoDataFrame({"site_id": ["S1"]}, geometry=[box(*STEEP)], crs="EPSG:4545").to_file(cands)
    out = {}
    for name, where in (("dem", ["--demo"]), ("nodem", ["--catalog", str(_no_dem_catalog(tmp))])):
        r = _run(*where, "--tech", "pv", "--candidates", str(cands), "--out", str(tmp / name),
                 "--lang", "en")
        assert r.exit_code == 0, r.output
        out[name] = (tmp / name, r.output)
    return out


def test_with_the_dem_the_steep_parcel_is_excluded_by_the_slope_limit(runs):
    folder, _ = runs["dem"]
    row = pd.read_csv(folder / "sites.csv").iloc[0]
    assert row["status"] == "excluded" and row["slope_mean"] > 25
    assert "slope_mean" in row["reason"] and "> limit 25" in row["reason"]


def test_without_the_dem_the_steep_parcel_is_review_not_ranked_as_flat(runs):
    folder, text = runs["nodem"]
    row = pd.read_csv(folder / "sites.csv").iloc[0]
    assert row["status"] == "review"
    assert pd.isna(row["rank"]) and pd.isna(row["capacity_mw"])   # no flat-ground capacity
    assert "no DEM" in row["reason"] and "add a `dem` raster layer" in row["reason"]
    assert "高程" in row["reason"]                                  # bilingual
    warnings = [line for line in text.splitlines() if line.startswith("warning:")
                and "no DEM" in line]
    assert len(warnings) == 1, text                                  # said once, on the terminal
    assert "#1" not in text                                          # nothing ranked


def test_without_the_dem_the_report_says_the_slope_limit_was_not_checked(runs):
    folder, _ = runs["nodem"]
    report = (folder / "report.html").read_text(encoding="utf-8")
    row = re.search(r"<tr><th>Limit: [^<]*slope[^<]*</th><td>([^<]*)</td>", report, re.I)
    assert row, "no slope limit row in the report"
    assert "not checked" in row.group(1) and "no DEM" in row.group(1)
    dem_report = (runs["dem"][0] / "report.html").read_text(encoding="utf-8")
    row = re.search(r"<tr><th>Limit: [^<]*slope[^<]*</th><td>([^<]*)</td>", dem_report, re.I)
    assert row and "not checked" not in row.group(1)
