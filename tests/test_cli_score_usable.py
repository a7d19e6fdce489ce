"""``siting score`` prints no usable land it did not find, measures far candidates on the
ellipsoid, and does not rank a polygon far larger than one plant silently (review 19, findings 11
and 12)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyproj
import pytest
from click.testing import CliRunner
from shapely.geometry import box
from siting_fixtures import make_region

from geo.profiles import PROFILE_DIR
from maps.cli import cli

CANDIDATES = {  # lon/lat boxes
    "far": (116.397386, 39.897987, 116.402614, 39.902013),    # Beijing, ~1,500 km away, ~20 ha
    # 30 km × 30 km in the demo region, north of the registered contaminated site C03 (a
    # polygon overlapping it would go to a check by hand before its size is weighed)
    "huge": (106.549093, 26.600000, 106.850907, 26.870841),
    "good": (106.657748, 26.997983, 106.662252, 27.002017),   # ~20 ha, usable
}
GEOD = pyproj.Geod(ellps="GRS80")


def _run(args):
    return CliRunner().invoke(cli, ["score", *args])


def _usable_geometries(out):
    gj = gpd.read_file(out / "usable.geojson")
    return gj.set_index("site_id").geometry


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """One demo run on a far, a huge and a good candidate: (output folder, terminal text)."""
    tmp = tmp_path_factory.mktemp("usable")
    f = tmp / "cands.geojson"
    gpd.GeoDataFrame({"site_id": list(CANDIDATES)},
                     geometry=[box(*b) for b in CANDIDATES.values()], crs="EPSG:4326").to_file(f)
    out = tmp / "o"
    r = _run(["--demo", "--tech", "pv", "--candidates", str(f), "--out", str(out),
              "--lang", "en"])
    assert r.exit_code == 0, r.output
    return out, r.output


def test_far_candidate_areas_are_geodesic(mixed):
    """Every area printed for a candidate 1,500 km from the region agrees with pyproj.Geod to
    0.1 % (the region's transverse Mercator alone gave +1.7 %)."""
    out, _ = mixed
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    for sid, b in CANDIDATES.items():
        geodesic = abs(GEOD.geometry_area_perimeter(box(*b))[0]) / 1e4
        assert csv.loc[f"user:{sid}", "candidate_area_ha"] == pytest.approx(geodesic, rel=1e-3)
    far = csv.loc["user:far"]
    geodesic = abs(GEOD.geometry_area_perimeter(box(*CANDIDATES["far"]))[0]) / 1e4
    for col in ("excluded_area_ha", "outside_coverage_ha"):       # all of it lies outside
        assert far[col] == pytest.approx(geodesic, rel=1e-3)
    assert f"{geodesic:.2f} ha (100.0% of the candidate)" in far["reason"]
    # no distance to the catalog's features is printed for it (1,648 km in the region's CRS
    # against 1,643 km geodesic, and the nearest feature in the catalog is not the nearest there)
    assert far[["dist_substation", "dist_road", "dist_settlement"]].isna().all()


def test_a_site_without_usable_land_has_no_usable_geometry(mixed):
    out, _ = mixed
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    geoms = _usable_geometries(out)
    far = csv.loc["user:far"]
    assert far["status"] == "review" and far["usable_area_ha"] == 0  # nothing checked there
    assert geoms.loc["user:far"] is None or geoms.loc["user:far"].is_empty
    good = csv.loc["user:good"]
    assert good["status"] == "usable" and good["usable_area_ha"] > 0
    assert not geoms.loc["user:good"].is_empty


def test_a_site_larger_than_one_plant_goes_to_review(mixed):
    """The 30 km square (17 GW on one connection) is not ranked, not in the totals nor the
    supply curve; its reason and notes say why and the terminal warns."""
    out, output = mixed
    warning = [line for line in output.splitlines() if line.startswith("warning:")
               and "larger than one plant" in line]
    assert warning and "user:huge" in warning[0] and "max_plant_mw 1000 MW" in warning[0]
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    huge = csv.loc["user:huge"]
    assert huge["status"] == "review" and pd.isna(huge["rank"]) and huge["capacity_if_cleared_mw"] > 1000
    assert pd.isna(huge["capacity_mw"]) and pd.isna(huge["generation_mwh"])   # not in the totals
    assert "implausibly large for one plant" in huge["reason"] and "split" in huge["reason"]
    assert "larger than one plant" in huge["notes"]
    assert csv.loc["user:good", "rank"] == 1                          # the real site heads it
    curve = pd.read_csv(out / "supply_curve.csv").set_index("site_id")
    assert pd.isna(curve.loc["user:huge", "supply_rank"])
    assert "larger than one plant" in curve.loc["user:huge", "notes"]
    ranked = curve.dropna(subset=["supply_rank"])
    assert ranked["cumulative_capacity_mw"].iloc[-1] < 100         # the totals are not swamped
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "implausibly large for one plant" in report and "largest one plant" in report


def test_a_small_max_plant_mw_sends_every_site_to_review(tmp_path):
    """The threshold is the profile's: at 0.1 MW even the fixture's small mines go to review."""
    cat = make_region(tmp_path / "region")
    prof = tmp_path / "pv.toml"
    text = (PROFILE_DIR / "pv.toml").read_text(encoding="utf-8")
    prof.write_text(text.replace("max_plant_mw = 1000", "max_plant_mw = 0.1"), encoding="utf-8")
    out = tmp_path / "o"
    r = _run(["--catalog", str(cat), "--tech", "pv", "--profile", str(prof), "--out", str(out),
              "--lang", "zh"])
    assert r.exit_code == 0, r.output
    csv = pd.read_csv(out / "sites.csv")
    assert "usable" not in set(csv["status"]) and csv["rank"].isna().all()
    assert (csv["status"] == "review").any() and "单个电站" in r.output
    n_review = int((csv["status"] == "review").sum())
    assert f"{len(csv)} 个候选地块: " in r.output and f"需人工核查 {n_review}" in r.output


def test_demo_excluded_site_reports_no_usable_land(tmp_path):
    """The demo's contaminated_sites:C01 (on the risk register: excluded) reads usable 0 in
    sites.csv, has no usable geometry, and the report does not show its 12 ha as usable."""
    out = tmp_path / "o"
    r = _run(["--demo", "--tech", "pv", "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    row = csv.loc["contaminated_sites:C01"]
    assert row["status"] == "excluded" and row["usable_area_ha"] == 0
    assert row["candidate_area_ha"] > 11 and "whole site excluded" in row["reason"]
    geoms = _usable_geometries(out)
    bad = csv.index[csv["status"].isin(["excluded", "error"])]
    assert all(g is None or g.is_empty for g in geoms.loc[bad])
    assert (csv.loc[bad, "usable_area_ha"] == 0).all()


def test_a_site_outside_the_resource_raster_has_no_usable_land(tmp_path):
    """A site inside the coverage but outside the GHI raster is an error: not judged, no usable
    land, no usable geometry."""
    cat = make_region(tmp_path / "region", ghi_offset_deg=0.03)
    out = tmp_path / "o"
    r = _run(["--catalog", str(cat), "--tech", "pv", "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    err = csv[csv["status"] == "error"]
    assert len(err) and (err["usable_area_ha"] == 0).all()
    assert err["reason"].str.contains("outside raster").all()
    assert err["reason"].str.contains("not judged").all()
    geoms = _usable_geometries(out)
    assert all(g is None or g.is_empty for g in geoms.loc[err.index])
