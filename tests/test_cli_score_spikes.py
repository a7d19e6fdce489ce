"""``siting score``: the usable land has no zero-width spikes (review 28, finding 2).

A candidate whose edge runs along an exclusion's edge kept, after the subtraction, a strip a
millimetre wide along its outline over the excluded land; distances and raster statistics were
measured from it, so the same parcel moved by 1 mm got another distance, capacity and score.
Each test runs the real command on a small real file of the synthetic region."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point, box
from siting_fixtures import UTM, X0, Y0, make_region

from maps.cli import cli

# The farmland f1 of the region covers x 3900-4400, y -100-400 (from X0, Y0): the candidate's
# west part lies on it, its top edge runs along f1's top edge; only x 4400-4800 is usable land.
CANDIDATE = (X0 + 3900, Y0, X0 + 4800, Y0 + 400)
REAL_LAND = box(X0 + 4400, Y0, X0 + 4800, Y0 + 400)
SUBSTATION = Point(X0 + 3000, Y0 + 5000)     # north-west: the strip's end lies nearer to it
COLUMNS = ["usable_area_ha", "dist_substation", "dist_road", "slope_mean", "slope_max", "ghi",
           "capacity_mw", "score"]


def _score(catalog, dy, out):
    """Score the candidate moved north by ``dy`` [m]; its row of sites.csv and usable land."""
    x0, y0, x1, y1 = CANDIDATE
    f = out.parent / f"{out.name}.gpkg"
    gpd.GeoDataFrame({"id": ["c"]}, geometry=[box(x0, y0 + dy, x1, y1 + dy)],
                     crs=UTM).to_file(f)
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                 "--candidates", str(f), "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    row = pd.read_csv(out / "sites.csv").iloc[0]
    usable = gpd.read_file(out / "usable.geojson").to_crs(UTM).geometry.iloc[0]
    return row, usable


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("spikes")
    catalog = make_region(tmp / "region")
    return {dy: _score(catalog, dy, tmp / f"dy{i}") for i, dy in enumerate((0.0, 0.001, 0.002))}


@pytest.mark.parametrize("dy", [0.001, 0.002])
def test_a_strip_along_the_outline_over_farmland_is_not_usable_land(runs, dy):
    """Moved 1 or 2 mm north, the candidate leaves a 1-2 mm strip over the farmland: its usable
    land is still the real land only, and the distance to the substation is the real land's
    (a spike reached 121 m nearer: 4.687 instead of 4.808 km)."""
    row, usable = runs[dy]
    assert usable.distance(Point(X0 + 3900, Y0 + 400)) == pytest.approx(
        REAL_LAND.distance(Point(X0 + 3900, Y0 + 400)), abs=0.5)
    assert row["dist_substation"] == pytest.approx(REAL_LAND.distance(SUBSTATION) / 1000,
                                                   abs=1e-3)
    assert row["usable_area_ha"] == pytest.approx(REAL_LAND.area / 1e4, rel=1e-4)


def test_a_parcel_moved_by_1_mm_gets_the_same_results(runs):
    """The same parcel with and without a 1 mm shift: the same area, distances, slope,
    capacity and score."""
    base = runs[0.0][0][COLUMNS]
    for dy in (0.001, 0.002):
        moved = runs[dy][0][COLUMNS]
        for col in COLUMNS:
            assert moved[col] == pytest.approx(base[col], rel=1e-4, abs=1e-6), (dy, col)
