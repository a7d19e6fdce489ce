"""``siting score`` end to end: files, one row per candidate, escaping, exit code 2 on bad input."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box
from siting_fixtures import UTM, X0, Y0, make_region

from maps.cli import cli

FILES = ["sites.csv", "supply_curve.csv", "sites.geojson", "sites.xlsx", "map.html",
         "report.html"]


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return make_region(tmp_path_factory.mktemp("cli-region"))


@pytest.mark.parametrize("tech", ["pv", "wind"])
def test_score_writes_every_output(catalog, tmp_path, tech):
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", tech,
                                 "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    for f in FILES:
        assert (out / f).stat().st_size > 0
    csv = pd.read_csv(out / "sites.csv")
    assert len(csv) == 5 and csv["site_id"].is_unique
    for col in ["site_id", "source_kind", "source_id", "name", "status", "usable_area_ha",
                "score", "rank", "class", "top_n_probability", "capacity_mw",
                "generation_mwh", "co2_t", "so2_kg", "nox_kg", "pm_kg", "coal_tce", "reason",
                "rank_p05", "rank_p95", "score_slope_mean", "lcoe_cny_mwh", "grid_kv",
                "co2_national_t", "co2_fossil_t", "grid_region"]:
        assert col in csv.columns
    assert csv.set_index("site_id").loc["mines:m3", "status"] == "excluded"
    usable = csv[csv["status"] == "usable"]
    assert (usable["generation_mwh"] > 0).all() and usable["rank"].min() == 1
    parts = [c for c in csv.columns if c.startswith("score_")]
    assert usable[parts].sum(axis=1).to_numpy() == pytest.approx(usable["score"].to_numpy())
    curve = pd.read_csv(out / "supply_curve.csv")
    assert sorted(curve["site_id"]) == sorted(csv["site_id"])        # every candidate
    ranked = curve.dropna(subset=["supply_rank"])
    assert ranked["lcoe_cny_mwh"].is_monotonic_increasing and len(ranked) == len(usable)
    assert ranked["cumulative_capacity_mw"].iloc[-1] == pytest.approx(usable["capacity_mw"].sum())
    assert "cheapest sites" in r.output
    gj = gpd.read_file(out / "sites.geojson")
    assert gj.crs.to_epsg() == 4326 and len(gj) == 5
    assert len(pd.read_excel(out / "sites.xlsx")) == 5
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<b>A</b>" not in report and "&lt;b&gt;A" in report
    # the map embeds values as JSON (< escaped as \u003c) and shows them with textContent
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "<b>A</b>" not in page and "\\u003cb\\u003eA" in page


def test_user_candidates(catalog, tmp_path):
    f = tmp_path / "mine.geojson"
    gpd.GeoDataFrame({"id": ["x1", "x2"], "name": ["one", "two"]},
                     geometry=[box(X0 + 2000, Y0 + 3000, X0 + 2500, Y0 + 3500),
                               box(X0 + 700, Y0 + 200, X0 + 900, Y0 + 400)],
                     crs=UTM).to_crs("EPSG:4326").to_file(f)
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                 "--candidates", str(f), "--out", str(out)])
    assert r.exit_code == 0, r.output
    csv = pd.read_csv(out / "sites.csv")
    assert csv["site_id"].tolist() == ["user:x1", "user:x2"]
    assert csv["status"].tolist() == ["usable", "excluded"]   # x2 lies in the red line


def _run(args):
    return CliRunner().invoke(cli, ["score", *args])


def test_bad_inputs_exit_2(catalog, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('tech = "pv"\nfoo = 1\n[criteria.ghi]\npoints=[[0,0],[1,1]]\nweight=1\n',
                   encoding="utf-8")
    r = _run(["--catalog", str(catalog), "--tech", "pv", "--profile", str(bad),
              "--out", str(tmp_path / "a")])
    assert r.exit_code == 2 and "'foo'" in r.output and "bad.toml" in r.output
    assert "Traceback" not in r.output
    ahp = tmp_path / "ahp.toml"
    ahp.write_text('tech = "pv"\n[criteria.ghi]\npoints=[[0,0],[1,1]]\n[criteria.dist_road]\n'
                   'points=[[0,1],[9,0]]\n[ahp]\ncriteria=["ghi","dist_road"]\n'
                   'matrix=[[1,-2],[-0.5,1]]\n', encoding="utf-8")
    r = _run(["--catalog", str(catalog), "--tech", "pv", "--profile", str(ahp),
              "--out", str(tmp_path / "b")])
    assert r.exit_code == 2 and "positive" in r.output
    no_crs = make_region(tmp_path / "nocrs", ghi_crs_none=True)
    r = _run(["--catalog", str(no_crs), "--tech", "pv", "--out", str(tmp_path / "c")])
    assert r.exit_code == 2 and "no CRS" in r.output
    away = make_region(tmp_path / "away", ghi_offset_deg=3.0)
    r = _run(["--catalog", str(away), "--tech", "pv", "--out", str(tmp_path / "d")])
    assert r.exit_code == 2 and "covers none of the candidates" in r.output and "'ghi'" in r.output
    r = _run(["--catalog", str(catalog), "--tech", "pv", "--grid-region", "mars",
              "--out", str(tmp_path / "e")])
    assert r.exit_code == 2 and "southwest" in r.output
    r = _run(["--tech", "pv", "--out", str(tmp_path / "f")])
    assert r.exit_code == 2


def test_refuses_to_overwrite(catalog, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    r = _run(["--catalog", str(catalog), "--tech", "pv", "--out", str(out)])
    assert r.exit_code == 2 and "--overwrite" in r.output
    r = _run(["--catalog", str(catalog), "--tech", "pv", "--out", str(out), "--overwrite"])
    assert r.exit_code == 0, r.output
    assert (out / "keep.txt").read_text() == "x"  # not ours: never removed
    assert all((out / f).is_file() for f in FILES)


def test_empty_and_odd_candidates_get_error_rows(catalog, tmp_path):
    """Issue 8: an empty polygon, a missing geometry and a point each get an error row of their
    own in every output; the batch goes on and there is no traceback."""
    import shapely

    f = tmp_path / "odd.gpkg"
    gpd.GeoDataFrame({"id": ["ok", "empty", "none", "point"]}, geometry=[
        box(X0 + 2000, Y0 + 3000, X0 + 2500, Y0 + 3500), shapely.Polygon(), None,
        shapely.Point(X0 + 100, Y0 + 100)], crs=UTM).to_file(f)
    for tech in ("pv", "wind"):
        out = tmp_path / tech
        r = _run(["--catalog", str(catalog), "--tech", tech, "--candidates", str(f),
                  "--out", str(out)])
        assert r.exit_code == 0, r.output
        assert "Traceback" not in r.output
        csv = pd.read_csv(out / "sites.csv").set_index("site_id")
        assert csv.loc["user:ok", "status"] == "usable"
        assert (csv.loc[["user:empty", "user:none", "user:point"], "status"] == "error").all()
        assert "no geometry" in csv.loc["user:empty", "reason"]
        assert "not a polygon (Point)" in csv.loc["user:point", "reason"]
        assert len(pd.read_csv(out / "supply_curve.csv")) == 4
        assert len(pd.read_excel(out / "sites.xlsx")) == 4
        assert len(gpd.read_file(out / "sites.geojson")) == 4
    # nothing but empty polygons: every row an error, the map and report still written
    g = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"id": ["e1", "e2"]}, geometry=[shapely.Polygon(), None], crs=UTM).to_file(g)
    r = _run(["--catalog", str(catalog), "--tech", "wind", "--candidates", str(g),
              "--out", str(tmp_path / "e")])
    assert r.exit_code == 0 and "出错 2" in r.output, r.output  # --lang zh, the default
    assert (tmp_path / "e" / "map.html").stat().st_size > 0
    # no features at all: a message naming the file, exit 2
    none = tmp_path / "none.gpkg"
    gpd.GeoDataFrame({"id": []}, geometry=[], crs=UTM).to_file(none)
    r = _run(["--catalog", str(catalog), "--tech", "pv", "--candidates", str(none),
              "--out", str(tmp_path / "n")])
    assert r.exit_code == 2 and "none.gpkg: no features" in r.output


@pytest.mark.parametrize("tech", ["pv", "wind"])
def test_demo_prints_the_cheapest_sites(tmp_path, tech):
    out = tmp_path / tech
    r = _run(["--demo", "--tech", tech, "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("cheapest sites"))
    cheapest = [line for line in lines[i + 1:] if "CNY/MWh" in line]
    assert len(cheapest) == 5
    lcoe = [float(line.split(" CNY/MWh")[0].split()[-1].replace(",", "")) for line in cheapest]
    assert lcoe == sorted(lcoe)
    csv = pd.read_csv(out / "sites.csv")
    assert {"lcoe_cny_mwh", "co2_national_t", "co2_fossil_t", "rank_p05", "score_ghi"
            if tech == "pv" else "score_wind_speed"} <= set(csv.columns)
    assert (csv["grid_region"] == "south").all()



@pytest.fixture(scope="module")
def subsidence_catalog(tmp_path_factory):
    """The region with subsidence land that is stable (s1), not stable (s2) and blank (s3)."""
    tmp = tmp_path_factory.mktemp("cli-subsidence")
    path = make_region(tmp)
    subs = gpd.GeoDataFrame({"id": ["s1", "s2", "s3"], "stable": ["是", "否", None]}, geometry=[
        box(X0 + 2000, Y0 + 2000, X0 + 3000, Y0 + 2800),
        box(X0 + 3200, Y0 + 2000, X0 + 4200, Y0 + 2800),
        box(X0 + 4400, Y0 + 2000, X0 + 5400, Y0 + 2800)], crs=UTM)
    subs.to_file(tmp / "subsidence.gpkg")
    return path


def test_unknown_fact_that_would_exclude_is_not_ranked(subsidence_catalog, tmp_path):
    """Unknown never passes: where a profile excludes unstable subsidence (a ``"limit"``), a
    site whose ``stable`` is blank needs a check by hand (``review``), is not ranked and is not
    in the cheapest list."""
    out = tmp_path / "out"
    r = _run(["--catalog", str(subsidence_catalog), "--tech", "wind", "--out", str(out),
              "--lang", "en", "--profile", _without_subsidence_assessment(tmp_path, "wind")])
    assert r.exit_code == 0, r.output
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    assert csv.loc["subsidence:s2", "status"] == "excluded"
    s3 = csv.loc["subsidence:s3"]
    assert s3["status"] == "review" and pd.isna(s3["rank"]) and pd.isna(s3["class"])
    assert "stable is blank — check by hand; if not stable (stable = no) the site is excluded" \
        in s3["reason"]
    curve = pd.read_csv(out / "supply_curve.csv").set_index("site_id")
    assert pd.isna(curve.loc["subsidence:s3", "supply_rank"])
    assert "needs check by hand, not ranked / 需人工核查，未排名: subsidence:s3" in r.output
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "needs check" in report and "if not stable (stable = no) the site is excluded" in report


@pytest.mark.parametrize("tech", ["pv", "wind"])
def test_unsettled_subsidence_land_goes_to_review(subsidence_catalog, tmp_path, tech):
    """PV or wind on subsidence land that has not settled (s2), or whose ``stable`` is blank
    (s3), waits for its geohazard risk assessment (《地质灾害防治条例》第二十一条), as ``siting
    screen`` and ``siting check`` say review there: not ranked, not in the supply curve; settled
    land (s1) is ranked. A blank ``stable`` is said to be unknown, not asserted unsettled."""
    out = tmp_path / "out"
    r = _run(["--catalog", str(subsidence_catalog), "--tech", tech, "--out", str(out),
              "--lang", "en"])
    assert r.exit_code == 0, r.output
    sites = pd.read_csv(out / "sites.csv").set_index("site_id")
    assert sites.loc["subsidence:s1", "status"] == "usable"
    for sid, fact in (("subsidence:s2", "stable no"), ("subsidence:s3", "stable unknown")):
        assert sites.loc[sid, "status"] == "review" and pd.isna(sites.loc[sid, "rank"])
        assert "第二十一条" in sites.loc[sid, "reason"] and fact in sites.loc[sid, "reason"]
    s2, s3 = sites.loc["subsidence:s2", "reason"], sites.loc["subsidence:s3", "reason"]
    assert "the subsidence land has not settled" in s2 and "采煤沉陷区尚未稳沉" in s2
    assert "the subsidence land has not settled" not in s3 and "采煤沉陷区尚未稳沉" not in s3
    assert "whether the subsidence land has settled is unknown (stable blank): it may not have" \
        in s3 and "采煤沉陷区是否稳沉未知" in s3
    curve = pd.read_csv(out / "supply_curve.csv").set_index("site_id")
    ranked = curve["supply_rank"].dropna().index
    assert "subsidence:s1" in ranked and not {"subsidence:s2", "subsidence:s3"} & set(ranked)
    assert "subsidence:s2" in r.output and "sent to review" in r.output


def _without_subsidence_assessment(tmp_path, tech: str = "pv") -> str:
    """The default profile without its subsidence assessment (so that the flags of sites it
    would send to review can be seen on ranked sites); for wind, unstable subsidence is a limit
    instead (the old default)."""
    import re

    from geo.profiles import PROFILE_DIR

    text = (PROFILE_DIR / f"{tech}.toml").read_text(encoding="utf-8")
    text, n = re.subn(r'\[\[assessment\]\]\nid = "subsidence_unstable"\n(?:[^\n]+\n)+', "", text)
    assert n == 1
    if tech == "wind":
        text, n = re.subn(r"\nunstable_subsidence = 0.0\n", '\nunstable_subsidence = "limit"\n', text)
        assert n == 1
    path = tmp_path / f"{tech}_no_subsidence_assessment.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_site_flags_reach_the_report_and_the_supply_curve(subsidence_catalog, tmp_path, lang):
    """With a profile that ranks unstable (s2) and blank (s3) subsidence land, their flags
    (``notes``) stand next to their rank in the report's ranked and cheapest tables, in the
    report's language, and in supply_curve.csv (both languages)."""
    out = tmp_path / "out"
    r = _run(["--catalog", str(subsidence_catalog), "--tech", "pv", "--out", str(out),
              "--lang", lang, "--profile", _without_subsidence_assessment(tmp_path)])
    assert r.exit_code == 0, r.output
    curve = pd.read_csv(out / "supply_curve.csv").set_index("site_id")
    unstable = "a geological hazard risk assessment comes first"
    blank = "stable is blank — check by hand"
    assert curve.loc["subsidence:s2", "supply_rank"] > 0 and curve.loc["subsidence:s3",
                                                                         "supply_rank"] > 0
    assert unstable in curve.loc["subsidence:s2", "notes"]
    assert blank in curve.loc["subsidence:s3", "notes"]
    report = (out / "report.html").read_text(encoding="utf-8")
    head = "提示（需核查事项）" if lang == "zh" else "Flags (check by hand)"
    for table, end in (("ranking-table", "</table>"), ("supply-table", "</table>")):
        part = report.split(f'id="{table}"')[1].split(end)[0]
        assert head in part
        rows = {sid: row for row in part.split("<tr>")[2:]
                for sid in ("s1", "s2", "s3") if f"subsidence:<wbr>{sid}<" in row}
        if lang == "zh":  # the notes' Chinese halves (sites.csv keeps both languages)
            assert "采煤沉陷区未稳沉" in rows["s2"] and "属性未知" in rows["s3"], table
            assert unstable not in rows["s2"] and blank not in rows["s3"], table
            assert "未稳沉" not in rows["s1"] and "属性未知" not in rows["s1"]
        else:
            assert unstable in rows["s2"] and blank in rows["s3"], table
            assert "stable" not in rows["s1"]


@pytest.mark.parametrize("title", [False, True])
def test_spreadsheet_candidates_are_read_or_refused_with_the_fix(catalog, tmp_path, title):
    """A workbook of candidates with a WKT column is read as `siting screen` reads one (the CRS
    given on the command); with a title row above the header it exits 2 naming the file, not as
    an internal error. The vector reader alone still refuses a table without geometry."""
    from layers.errors import ReadError
    from layers.read import read_vector

    book = tmp_path / "sites.xlsx"
    wkt = gpd.GeoSeries([box(X0 + 2000, Y0 + 3000, X0 + 2500, Y0 + 3500)] * 2, crs=UTM)
    table = pd.DataFrame({"site_id": ["A", "B"], "name": ["地块A", "地块B"],
                          "wkt": wkt.to_crs("EPSG:4490").to_wkt()})
    table.to_excel(book, index=False, startrow=1 if title else 0)
    out = tmp_path / "out"
    r = _run(["--catalog", str(catalog), "--tech", "pv", "--candidates", str(book),
              "--out", str(out), "--lang", "en"])
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.output and "Traceback" not in r.output
    assert "sites.xlsx" in r.output
    if not title:
        assert "--crs EPSG:4490" in r.output and "坐标系" in r.output
        r = _run(["--catalog", str(catalog), "--tech", "pv", "--candidates", str(book),
                  "--crs", "EPSG:4490", "--out", str(out), "--lang", "en"])
        assert r.exit_code == 0, r.output
        csv = pd.read_csv(out / "sites.csv")
        assert csv["site_id"].tolist() == ["user:A", "user:B"]
        assert csv["status"].tolist() == ["usable", "usable"]
    with pytest.raises(ReadError, match="a table without geometry"):
        read_vector(book)


def test_the_terminal_summary_reads_in_chinese_under_zh(catalog, tmp_path):
    """Review 22 R2: under --lang zh the ranked and cheapest lines said score, P(top 10),
    rank 5-95%, cheapest sites, cumulative."""
    r = _run(["--catalog", str(catalog), "--tech", "wind", "--out", str(tmp_path / "o"),
              "--lang", "zh"])
    assert r.exit_code == 0, r.output
    for words in ("得分", "进入前 10 名概率", "排名 5–95% 区间", "度电成本最低的地块", "累计"):
        assert words in r.output, words
    for words in ("score ", "P(top", "rank 5-95%", "cheapest sites", "cumulative"):
        assert words not in r.output, words
