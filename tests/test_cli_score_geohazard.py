"""A site in a geohazard-prone zone is not ranked as plain ``usable``: ``siting check`` says
``review`` there (《地质灾害防治条例》第二十一条), so ``siting score`` sends it to review with the
zone, the area and the citation in every output (new-user review: the two commands disagreed on
the same land)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box
from siting_fixtures import UTM, X0, Y0, make_region

import geo
from layers.catalog import load_catalog
from maps.cli import cli

CITATION = "《地质灾害防治条例》第二十一条"
CANDIDATES = {  # lon/lat boxes of ~20 ha
    "gh": (107.058248, 27.157983, 107.062752, 27.162017),     # inside DZ01 (high), no exclusion
    "good": (106.657748, 26.997983, 106.662252, 27.002017),   # usable, in no zone
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo PV run on a polygon inside DZ01 and a clean one: (output folder, terminal)."""
    tmp = tmp_path_factory.mktemp("geohazard")
    f = tmp / "GH.geojson"
    gpd.GeoDataFrame({"site_id": list(CANDIDATES)},
                     geometry=[box(*b) for b in CANDIDATES.values()], crs="EPSG:4326").to_file(f)
    out = tmp / "o"
    r = CliRunner().invoke(cli, ["score", "--demo", "--tech", "pv", "--candidates", str(f),
                                 "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    return out, r.output


def test_site_in_a_geohazard_zone_goes_to_review(demo):
    out, _ = demo
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    gh = csv.loc["user:gh"]
    assert gh["status"] == "review" and np.isnan(gh["rank"])
    for words in ("DZ01", "开阳县岩溶塌陷高易发区", "susceptibility high", CITATION,
                  "geohazard risk assessment", "100.0%", "地质灾害危险性评估"):
        assert words in gh["reason"], words
    assert f"{gh['usable_area_ha']:,.2f} ha of the usable land" in gh["reason"]
    assert "assessment due" in gh["notes"]
    good = csv.loc["user:good"]   # the clean polygon is ranked alone
    assert good["status"] == "usable" and good["rank"] == 1


def test_every_output_carries_it(demo):
    out, output = demo
    for path, layer in (("sites.geojson", None), ("sites.gpkg", "sites")):
        g = gpd.read_file(out / path, layer=layer).set_index("site_id")
        assert g.loc["user:gh", "status"] == "review" and "DZ01" in g.loc["user:gh", "reason"]
    x = pd.read_excel(out / "sites.xlsx").set_index("site_id")
    assert x.loc["user:gh", "status"] == "review" and CITATION in x.loc["user:gh", "reason"]
    report = (out / "report.html").read_text(encoding="utf-8")
    ranking = report[report.index('id="ranking-table"'):]
    ranking = ranking[:ranking.index("</table>")]
    assert "user:<wbr>gh" not in ranking and "user:<wbr>good" in ranking   # ids break at ':'
    others = report[report.index("user:<wbr>gh"):]
    assert "DZ01" in others[:others.index("</tr>")]      # the unranked table gives the reason
    assert "DZ01" in report and CITATION in report
    assert "Assessment first" in report                  # the rule in the parameters table
    assert "DZ01" in (out / "map.html").read_text(encoding="utf-8")   # the popups
    warning = [ln for ln in output.splitlines() if ln.startswith("warning:") and "user:gh" in ln]
    assert warning and CITATION in warning[0]
    assert "已转为需人工核查" in warning[0] and "待复核" not in output  # score's one word for review
    assert "needs check by hand, not ranked" in output and "user:gh" in output


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return make_region(tmp_path_factory.mktemp("geohazard-region"))


def test_unknown_grade_counts_and_a_catalog_site_goes_to_review(region):
    """A zone whose grade is unknown still counts (unknown never passes); the catalog's own
    degraded land gets it as the user's polygons do; the share of the usable land is said."""
    tmp = region.parent
    gpd.GeoDataFrame({"id": ["Z1", "Z2"], "name": ["zone one", "zone two"],
                      "grade": [None, "low"]},
                     geometry=[box(X0 + 2300, Y0 - 100, X0 + 2700, Y0 + 700),   # half of m2
                               box(X0 + 1900, Y0 + 1900, X0 + 3100, Y0 + 2900)],  # all of s1
                     crs=UTM).to_file(tmp / "geohazard.gpkg")
    path = tmp / "catalog_geohazard.toml"
    path.write_text(region.read_text(encoding="utf-8").replace(
        "[[raster]]", '[[layer]]\nid = "gh"\nkind = "geohazard_zone"\npath = "geohazard.gpkg"'
        '\n\n[[raster]]', 1), encoding="utf-8")
    s = geo.score_sites(load_catalog(path), "pv").set_index("site_id")
    m2, s1 = s.loc["mines:m2"], s.loc["subsidence:s1"]
    assert m2["status"] == "review" and "Z1 zone one (susceptibility unknown)" in m2["reason"]
    assert "(50.0%)" in m2["reason"] and "易发程度：未知" in m2["reason"]
    assert s1["status"] == "review" and "susceptibility low" in s1["reason"]
    assert np.isnan(m2["rank"]) and np.isnan(s1["rank"])
    assert "assessment" in s.attrs["siting"]
    assert (s.loc[s["status"] == "usable", "rank"].notna()).all()


def test_missing_geohazard_layer_is_said_not_passed(region):
    s = geo.score_sites(load_catalog(region), "pv")
    judged = s[s["status"] != "error"]
    assert judged["notes"].str.contains("not checked against: geohazard_zone").all()
    meta = s.attrs["siting"]
    assert [m["kind"] for m in meta["assessment_not_checked"]] == ["geohazard_zone"]
    assert any("geohazard" in n and "layer not provided" in n for n in meta["notes"])


def test_missing_geohazard_layer_is_warned_of_and_opens_the_report(region, tmp_path):
    r = CliRunner().invoke(cli, ["score", "--catalog", str(region), "--tech", "pv", "--out",
                                 str(tmp_path / "o"), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert any(ln.startswith("warning: assessment 'geohazard_zone'") and "not checked" in ln
               for ln in r.output.splitlines())
    report = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert 'id="not-assessed-notice"' in report


def test_a_zone_on_excluded_land_only_is_flagged_not_hidden(tmp_path):
    """A candidate about a quarter inside landslide zone DZ02 whose part there is forest land
    (excluded) stays ranked (only usable land waits for the assessment), but its flags name
    the zone, its grade, the hectares and the exclusion, in both languages (review 21 F10)."""
    f = tmp_path / "ZX.geojson"
    gpd.GeoDataFrame({"site_id": ["ZX"]}, geometry=[box(106.542330, 26.997874, 106.547365,
                                                        27.002385)], crs="EPSG:4326").to_file(f)
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["score", "--demo", "--tech", "pv", "--candidates", str(f),
                                 "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    zx = pd.read_csv(out / "sites.csv").set_index("site_id").loc["user:ZX"]
    assert zx["status"] == "usable" and zx["rank"] == 1
    assert "DZ02" not in zx["reason"]
    flag = zx["notes"]
    for words in ("partly in the geological hazard-prone zone (DZ02 修文县滑坡崩塌中易发区 "
                  "(susceptibility medium))", "ha of the candidate, excluded there as forest land",
                  "the feasibility study must consider the zone", CITATION,
                  "部分位于地质灾害易发区（DZ02 修文县滑坡崩塌中易发区（易发程度：中））",
                  "该部分已按林地排除"):
        assert words in flag, words
    ha = float(flag.split("(susceptibility medium)): ")[1].split(" ha")[0])
    assert 5.5 < ha < 6.5
    assert "DZ02" in (out / "report.html").read_text(encoding="utf-8")


def test_summable_columns_hold_only_the_counted_sites(demo):
    """A review site's capacity and generation are not in capacity_mw / generation_mwh of
    sites.csv, supply_curve.csv or the workbook (a column summed there equals the report's
    total); its potential is in capacity_if_cleared_mw, labelled as not in the totals, also in
    the report's unranked table and the map popups (review 21 F13)."""
    out, _ = demo
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    curve = pd.read_csv(out / "supply_curve.csv").set_index("site_id")
    xlsx = pd.read_excel(out / "sites.xlsx").set_index("site_id")
    for table in (csv, curve):
        assert pd.isna(table.loc["user:gh", "capacity_mw"])
        assert table.loc["user:gh", "capacity_if_cleared_mw"] > 1
        assert table.loc["user:good", "capacity_mw"] > 1
        assert pd.isna(table.loc["user:good", "capacity_if_cleared_mw"])
    for col in ("generation_mwh", "co2_t", "coal_tce"):
        assert pd.isna(csv.loc["user:gh", col]) and csv.loc["user:good", col] > 0
    assert csv.loc["user:gh", "generation_if_cleared_mwh"] > 0
    assert xlsx["capacity_mw"].sum() == pytest.approx(csv.loc["user:good", "capacity_mw"])
    report = (out / "report.html").read_text(encoding="utf-8")
    totals = report[report.index('class="totals"'):]
    assert f"{csv.loc['user:good', 'capacity_mw']:,.1f}" in totals[:totals.index("</table>")]
    others = report[report.index('id="others-table"'):]
    assert "Capacity once cleared (review site, not in the totals) [MW]" in others
    assert f"{csv.loc['user:gh', 'capacity_if_cleared_mw']:,.1f}" in others[:others.index(
        "</table>")]
    assert "Capacity once cleared (not in the totals) [MW]" in (out / "map.html").read_text(
        encoding="utf-8")


def test_an_empty_ranking_says_none(tmp_path):
    """No usable site: the ranking, breakdown and supply tables say so instead of showing
    headers only (review 21 F13)."""
    f = tmp_path / "GH.geojson"
    gpd.GeoDataFrame({"site_id": ["gh"]}, geometry=[box(*CANDIDATES["gh"])],
                     crs="EPSG:4326").to_file(f)
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["score", "--demo", "--tech", "pv", "--candidates", str(f),
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    report = (out / "report.html").read_text(encoding="utf-8")
    for table in ("ranking-table", "breakdown-table", "supply-table"):
        body = report[report.index(f'id="{table}"'):]
        assert '<td class="none"' in body[:body.index("</table>")] and \
            "无可排名地块" in body[:body.index("</table>")], table
    assert pd.isna(pd.read_csv(out / "sites.csv")["capacity_mw"]).all()
