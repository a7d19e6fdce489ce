"""``siting score --candidates`` on land the catalog says nothing about (new-user review, F3, F4,
F6): a site wholly outside the layers' coverage is ``review`` (nothing was checked there), not
``excluded``; a site refused for its input does not speak of "the exclusions"; eastings without a
zone number and a wrong ``--crs`` zone are named for what they are.

Each test runs the real command on a small real file written into ``tmp_path``."""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box
from siting_fixtures import UTM, X0, Y0, make_region

from layers.coordcheck import suggest_crs
from maps.cli import cli

DEMO = {  # lon/lat boxes
    "far": (110.0, 30.0, 110.005, 30.005),                    # far from the demo region
    "edge": (107.33, 26.80, 107.335, 26.805),                 # just past its eastern edge
    "good": (106.657748, 26.997983, 106.662252, 27.002017),   # ~20 ha, usable
}
GK_DEMO = {  # in the demo region, west and east of the zone boundary at 106.5°E
    "good": DEMO["good"],
    "west": (106.30, 26.60, 106.305, 26.605),
}
OUTSIDE = "wholly outside the layers' coverage"


def _run(*args):
    return CliRunner().invoke(cli, ["score", *args])


def _write(path, boxes, crs="EPSG:4326", to=None):
    gdf = gpd.GeoDataFrame({"site_id": list(boxes)}, geometry=[box(*b) for b in boxes.values()],
                           crs=crs)
    (gdf.to_crs(to) if to else gdf).to_file(path)
    return path


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """One demo run on a far, an edge and a good candidate: (output folder, terminal text)."""
    tmp = tmp_path_factory.mktemp("outside")
    f = _write(tmp / "cands.geojson", DEMO)
    out = tmp / "o"
    r = _run("--demo", "--tech", "pv", "--candidates", str(f), "--out", str(out), "--lang", "en")
    assert r.exit_code == 0, r.output
    return out, r.output


def test_wholly_outside_sites_are_review_not_excluded(outside):
    """F4: nothing was checked there, so no zoning verdict: ``review`` with the reason and the
    fix, in sites.csv, sites.xlsx and on the terminal; the good site is still ranked."""
    out, text = outside
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    xlsx = pd.read_excel(out / "sites.xlsx").set_index("site_id")
    for sid in ("user:far", "user:edge"):
        row = csv.loc[sid]
        assert row["status"] == "review", row["reason"]
        assert xlsx.loc[sid, "status"] == "review"
        assert OUTSIDE in row["reason"] and "nothing could be checked" in row["reason"]
        assert "screen it with a catalog that covers it" in row["reason"]
        assert "超出" in row["reason"] or "覆盖范围之外" in row["reason"]
        assert row["usable_area_ha"] == 0 and pd.isna(row["rank"]) and pd.isna(row["score"])
        assert pd.isna(row["top_n_probability"]) and pd.isna(row["capacity_mw"])
    assert csv.loc["user:good", "status"] == "usable" and csv.loc["user:good", "rank"] == 1
    assert "needs check 2" in text and "not ranked / 需人工核查，未排名: user:edge, user:far" in text
    assert "2 site(s) wholly outside the catalog's coverage" in text


def test_wholly_outside_sites_are_not_counted(outside):
    """F4: the supply curve ranks only the good site; the report gives the reason."""
    out, _ = outside
    curve = pd.read_csv(out / "supply_curve.csv").set_index("site_id")
    ranked = curve.dropna(subset=["supply_rank"])
    assert ranked.index.tolist() == ["user:good"]
    good = pd.read_csv(out / "sites.csv").set_index("site_id").loc["user:good"]
    assert ranked["cumulative_capacity_mw"].iloc[-1] == pytest.approx(good["capacity_mw"])
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "wholly outside the layers" in report and "screen it with a catalog" in report


def test_duplicate_id_reason_does_not_speak_of_exclusions(tmp_path):
    """F3: a site refused for its input was not judged: "its … ha", not "left by the
    exclusions"."""
    catalog = make_region(tmp_path / "region")
    good = box(X0 + 2000, Y0 + 3000, X0 + 2500, Y0 + 3500)
    f = tmp_path / "dup.gpkg"
    gpd.GeoDataFrame({"site_id": ["A", "A"]}, geometry=[good, good], crs=UTM).to_file(f)
    out = tmp_path / "o"
    r = _run("--catalog", str(catalog), "--tech", "pv", "--candidates", str(f), "--out",
             str(out))
    assert r.exit_code == 0, r.output
    row = pd.read_csv(out / "sites.csv").set_index("site_id").loc["user:A-2"]
    assert row["status"] == "error" and "duplicate site id" in row["reason"]
    assert "left by the exclusions" not in row["reason"]
    assert "not judged: its " in row["reason"] and "ha are not counted as usable" in row["reason"]


def _no_prj(tmp_path):
    """A shapefile of the demo region in EPSG:4545 (CM 108°E), its .prj removed."""
    shp = _write(tmp_path / "gk.shp", GK_DEMO, to="EPSG:4545")
    os.remove(shp.with_suffix(".prj"))
    return shp


def test_no_prj_gauss_krueger_suggests_the_zone_over_the_region(tmp_path):
    """F6a: 6-digit eastings over the demo region fit CM 108°E, not the CM 105°E example."""
    r = _run("--demo", "--tech", "pv", "--candidates", str(_no_prj(tmp_path)),
             "--out", str(tmp_path / "o"))
    assert r.exit_code == 2, r.output
    assert "--crs EPSG:4545" in r.output and "CM 108E" in r.output
    assert "EPSG:4544" not in r.output


def test_no_zone_known_names_every_example_with_its_meridian():
    """F6a: without a region the zone is not told from the numbers: both examples, named."""
    code, looks = suggest_crs([366765.0], [2988111.0])
    assert code == "EPSG:4544" and "do not tell the zone" in looks
    assert "EPSG:4544" in looks and "CM 105E" in looks
    assert "EPSG:4545" in looks and "CM 108E" in looks


def test_wrong_zone_is_refused_naming_the_crs_option(tmp_path):
    """F6b: with the neighbouring zone every candidate lands ~300 km west of the region: the
    refusal names --crs and the zone that fits, not an uncovered raster."""
    r = _run("--demo", "--tech", "pv", "--candidates", str(_no_prj(tmp_path)), "--crs",
             "EPSG:4544", "--out", str(tmp_path / "o"))
    assert r.exit_code == 2, r.output
    assert "check --crs" in r.output and "--crs EPSG:4545" in r.output
    assert "坐标系或投影带可能有误" in r.output
    assert "raster" not in r.output


def test_screen_names_the_zone_and_refuses_a_wrong_one(tmp_path):
    """F6 in ``siting screen``: the same reader names CM 108°E for the demo region, and projects
    a wrong ``--crs`` puts far from the region are refused naming --crs, not each an error."""
    from layers.demo import DEMO_CATALOG

    shp = _no_prj(tmp_path)
    base = ["screen", str(shp), "--catalog", str(DEMO_CATALOG), "--type", "pv"]
    r = CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "a")])
    assert r.exit_code == 2 and "--crs EPSG:4545" in r.output, r.output
    r = CliRunner().invoke(cli, [*base, "--crs", "EPSG:4544", "--out", str(tmp_path / "b")])
    assert r.exit_code == 2 and "check --crs" in r.output and "--crs EPSG:4545" in r.output, \
        r.output


def test_score_says_review_in_one_word_under_zh(tmp_path):
    """Review 21 F14: score's status is 需人工核查, but its terminal warning said 已转待复核 and
    its report 转为“待复核”: a reader took them for different states. Score now says 需人工核查
    everywhere (screen/check's verdict 需论证 is another command's word)."""
    f = _write(tmp_path / "cands.geojson", {"far": DEMO["far"], "good": DEMO["good"]})
    r = _run("--demo", "--tech", "pv", "--candidates", str(f), "--out", str(tmp_path / "o"))
    assert r.exit_code == 0, r.output
    report = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    reasons = " ".join(pd.read_csv(tmp_path / "o" / "sites.csv")["reason"].dropna())
    assert "已转为需人工核查" in r.output and "需人工核查" in r.output
    assert "转为“需人工核查”" in report
    for text in (r.output, report, reasons):
        assert "待复核" not in text
