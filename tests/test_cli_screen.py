"""``siting screen`` and ``siting rules`` end to end, in-process through click's runner."""

from __future__ import annotations

import csv
import json
import re

import pandas as pd
import pytest
import shapely
from _screen_helpers import box, projects, to_lonlat, write_catalog
from click.testing import CliRunner

from geo.rules import load_rules
from geo.screen import HIT_COLUMNS
from layers.chinacoords import wgs84_to_gcj02
from maps.cli import cli

XSS = "<script>alert(1)</script>"
RULE_IDS = {r.id for r in load_rules()}
OUTPUTS = ("screening.csv", "screening_hits.csv", "screening.geojson", "screening.xlsx",
           "report.html", "map.html")


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    cat = write_catalog(folder, {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": XSS}]),
        "units": ("control_unit", [{"geometry": box(-3000, -3000, 3000, 3000), "unit_type": "key",
                                    "unit_code": "ZH52010220001", "spatial_layout": XSS}]),
    })
    rows = [{"name": XSS, "type": "pv", "geometry": box(100, 100, 200, 200)},
            {"name": "普通", "type": "wind", "geometry": box(1000, 1000, 1100, 1100)},
            {"name": "bad", "type": "spaceship", "geometry": box(0, 0, 10, 10)}]
    projects(rows).to_file(folder / "projects.gpkg")
    return folder, cat


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_screen_writes_every_output(region, tmp_path):
    folder, cat = region
    res = run("screen", folder / "projects.gpkg", "--catalog", cat, "--out", tmp_path / "o",
              "--lang", "en")
    assert res.exit_code == 0, res.output
    out = tmp_path / "o"
    assert all((out / name).exists() for name in OUTPUTS)
    summary = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(summary.columns) == ["project_id", "name", "type", "industry", "verdict",
                                     "reasons", "n_prohibited", "n_review"]
    assert list(summary["verdict"]) == ["prohibited", "review", "error"]
    assert list(summary["name"]) == [XSS, "普通", "bad"]
    with open(out / "screening_hits.csv", encoding="utf-8-sig") as f:
        assert next(csv.reader(f)) == list(HIT_COLUMNS)
    gj = json.loads((out / "screening.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["verdict"] for f in gj["features"]] == ["prohibited", "review",
                                                                    "error"]
    x, y = gj["features"][0]["geometry"]["coordinates"][0][0]
    assert 106 < x < 107.5 and 26 < y < 27.2  # EPSG:4326
    xl = pd.read_excel(out / "screening.xlsx", sheet_name=None, header=None)
    assert list(xl) == ["screening", "hits", "columns", "about"]
    assert len(xl["screening"]) == 3 + 1
    assert list(xl["screening"].iloc[0])[:8] == list(summary.columns)  # --lang en: as the CSV
    assert list(xl["screening"][4][1:]) == ["prohibited", "review", "error"]
    about = dict(zip(xl["about"][0], xl["about"][1]))  # a signed workbook names its report
    report_id = re.search(r'id="report-id">([^<]+)<', (out / "report.html").read_text("utf-8"))
    assert about["Report ID"].startswith(report_id.group(1) + " (")
    assert {"Rule set", "Catalog", "Working CRS (areas, distances)"} <= set(about)
    assert any(k.startswith("Layer ") and "SHA-256" in v for k, v in about.items())
    assert "1 projects" not in res.output and "3 projects" in res.output


def test_html_outputs_escape_input_values(region, tmp_path):
    folder, cat = region
    assert run("screen", folder / "projects.gpkg", "--catalog", cat, "--out",
               tmp_path / "o").exit_code == 0
    for name in ("report.html", "map.html"):
        text = (tmp_path / "o" / name).read_text(encoding="utf-8")
        assert XSS not in text, name
        assert "alert(1)" in text, name  # present, as text
    report = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report
    assert "ZH52010220001" in report and "synthetic redline" in report


def test_bad_input_exits_2(region, tmp_path):
    folder, cat = region
    proj = folder / "projects.gpkg"
    cases = [
        ("screen", tmp_path / "missing.gpkg", "--catalog", cat, "--out", tmp_path / "a"),
        ("screen", proj, "--catalog", cat, "--out", tmp_path / "b", "--rules", "nope.toml"),
        ("screen", proj, "--catalog", cat, "--out", tmp_path / "c", "--coords", "mars"),
        ("screen", proj, "--catalog", tmp_path / "nocat.toml", "--out", tmp_path / "d"),
        ("screen", "--out", tmp_path / "e"),
    ]
    for args in cases:
        res = run(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "Traceback" not in res.output
    bad_rules = tmp_path / "bad.toml"
    bad_rules.write_text('[[rule]]\nid = "x"\n', encoding="utf-8")
    res = run("screen", proj, "--catalog", cat, "--out", tmp_path / "f", "--rules", bad_rules)
    assert res.exit_code == 2 and "bad.toml" in res.output and "'x'" in res.output


def test_refuses_to_overwrite(region, tmp_path):
    folder, cat = region
    args = ["screen", folder / "projects.gpkg", "--catalog", cat, "--out", tmp_path / "o"]
    assert run(*args).exit_code == 0
    assert run(*args).exit_code == 2
    assert run(*args, "--overwrite").exit_code == 0


def test_gcj02_table_lands_where_it_should(region, tmp_path):
    _, cat = region
    true_pt = to_lonlat([shapely.Point(150, 150)]).iloc[0]  # inside the 300 m red line
    glon, glat = wgs84_to_gcj02(true_pt.x, true_pt.y)
    table = tmp_path / "points.csv"
    table.write_text(f"project_id,name,type,lon,lat\nG1,高德点,pv,{float(glon):.8f},"
                     f"{float(glat):.8f}\n", encoding="utf-8")
    res = run("screen", table, "--catalog", cat, "--out", tmp_path / "g", "--coords", "gcj02")
    assert res.exit_code == 0, res.output
    hits = pd.read_csv(tmp_path / "g" / "screening_hits.csv", encoding="utf-8-sig")
    assert "red_line" in set(hits["rule_id"])
    # read as if it were WGS84, the same numbers lie hundreds of metres off, outside the red line
    res = run("screen", table, "--catalog", cat, "--out", tmp_path / "w", "--coords", "wgs84")
    hits = pd.read_csv(tmp_path / "w" / "screening_hits.csv", encoding="utf-8-sig")
    assert "red_line" not in set(hits["rule_id"])
    # degrees without --coords are refused
    assert run("screen", table, "--catalog", cat, "--out", tmp_path / "n").exit_code == 2


def test_type_option_for_files_without_attributes(region, tmp_path):
    _, cat = region
    frame = projects([{"geometry": box(100, 100, 200, 200)}]).drop(columns=[], errors="ignore")
    frame.to_file(tmp_path / "bare.geojson", driver="GeoJSON")
    res = run("screen", tmp_path / "bare.geojson", "--catalog", cat, "--out", tmp_path / "o",
              "--type", "wind", "--name", "风场")
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(tmp_path / "o" / "screening.csv", encoding="utf-8-sig")
    assert list(summary["type"]) == ["wind"] and list(summary["name"]) == ["风场"]


def test_rules_command_prints_table(tmp_path):
    res = run("rules", "national", "guizhou_example", "--csv")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("id,outcome,relation,layer")
    assert any(line.startswith("wind_setback_settlement,review,within_distance 800 m") for line in lines)
    assert run("rules", "missing_set").exit_code == 2


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_demo_expected_verdicts(tmp_path):
    """Every expected verdict written down beside the demo projects comes out, in every file."""
    from layers import demo

    res = run("screen", "--demo", "--out", tmp_path / "demo")
    assert res.exit_code == 0, res.output
    expected = pd.read_csv(demo.DEMO_EXPECTED, dtype=str)
    folders = {demo.DEMO_PROJECTS.name: "", "projects_gcj02.csv": "gcj02", "parcel_2000.txt":
               "mnr_txt"}
    assert set(expected["file"]) == set(folders)
    for file, sub in folders.items():
        got = pd.read_csv(tmp_path / "demo" / sub / "screening.csv", encoding="utf-8-sig",
                          dtype=str)
        want = expected[expected["file"] == file]
        assert len(got) == len(want), file
        merged = want.merge(got, on="project_id", how="left")
        wrong = merged[merged["expected_verdict"] != merged["verdict"]]
        assert wrong.empty, wrong[["project_id", "expected_verdict", "verdict",
                                   "reasons"]].to_string()
        # the rules the written-down reason names are the ones that fired, and no layer was
        # missing in the demo; the one unknown fact is 两高 of the industrial project whose
        # industry is blank on purpose (P39: it may be 两高, so its offsets are unknown too)
        hits = pd.read_csv(tmp_path / "demo" / sub / "screening_hits.csv", encoding="utf-8-sig",
                           keep_default_na=False)
        unknown = hits[hits["check"] == "unknown"]
        assert set(hits["check"]) <= {"fired", "contact", "unknown"}, set(hits["check"])
        assert set(unknown["project_id"]) <= {"P39"} and (
            unknown["message"].str.contains("项目 P39 的“两高项目”未填写").all())
        for row in want.itertuples():
            named = {t for t in re.findall(r"[a-z0-9_]+", row.reason) if t in RULE_IDS}
            fired = set(hits.loc[hits["project_id"] == row.project_id, "rule_id"])
            assert named and named <= fired, (row.project_id, named - fired)


def test_an_earlier_screening_geojson_can_be_screened_again(region, tmp_path):
    folder, cat = region
    first = tmp_path / "first"
    assert run("screen", folder / "projects.gpkg", "--catalog", cat, "--out", first,
               "--lang", "en").exit_code == 0
    res = run("screen", first / "screening.geojson", "--catalog", cat, "--out",
              tmp_path / "again", "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    before = pd.read_csv(first / "screening.csv", encoding="utf-8-sig")
    after = pd.read_csv(tmp_path / "again" / "screening.csv", encoding="utf-8-sig")
    assert list(after["project_id"]) == list(before["project_id"])
    assert list(after["verdict"]) == list(before["verdict"])
    gj = json.loads((tmp_path / "again" / "screening.geojson").read_text(encoding="utf-8"))
    props = gj["features"][0]["properties"]
    assert props["input_verdict"] == "prohibited" and props["verdict"] == "prohibited"


@pytest.fixture(scope="module")
def beijing(tmp_path_factory):
    """``siting screen`` of a Beijing and a Guiyang point against the Guiyang demo (English):
    the output folder."""
    from layers import demo

    folder = tmp_path_factory.mktemp("beijing")
    table = folder / "beijing.csv"
    table.write_text("project_id,name,type,lon,lat\nBJ1,天安门光伏,pv,116.3975,39.9087\n"
                     "GY1,贵阳点,pv,106.71,26.57\n", encoding="utf-8")
    res = run("screen", table, "--catalog", demo.DEMO_CATALOG, "--out", folder / "o",
              "--coords", "wgs84", "--lang", "en")
    assert res.exit_code == 0, res.output
    return folder / "o"


def test_a_beijing_point_against_the_guiyang_demo_is_outside_its_region(beijing):
    summary = pd.read_csv(beijing / "screening.csv", encoding="utf-8-sig")
    bj = summary.set_index("project_id").loc["BJ1"]
    assert bj["verdict"] == "error"
    assert "outside the catalog's region" in bj["reasons"] and "admin boundaries" in bj["reasons"]
    assert summary.set_index("project_id").loc["GY1", "verdict"] != "error"


def test_the_admin_boundaries_that_set_the_coverage_are_listed_with_their_sha256(beijing):
    """No rule reads the demo's admin boundaries, yet they decide the coverage area (BJ1 is an
    error by them) and the districts: the report's table of layers and the workbook's about
    sheet, which a reviewer signs, list them once with their role and SHA-256 (a new user's
    review: they were missing from both)."""
    from layers import demo
    from layers.catalog import load_catalog
    from maps.report_words import word

    catalog = load_catalog(demo.DEMO_CATALOG)
    (admin,) = [s for s in catalog.layers if s.kind == "admin_boundary"]
    sha = catalog.digest(admin.id)[:12]
    role = word("role_coverage", "en")
    html = (beijing / "report.html").read_text("utf-8")
    table = html[html.index('class="provenance"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(rf"<tr><td>{admin.id}<br><small>([^<]*)</small></td><td>(.*?)</td>\s*"
                      r"<td>([^<]*)</td><td>([^<]*)</td>", table)
    assert len(rows) == 1, table
    file, kind, source, date = rows[0]
    assert file.endswith(f"SHA-256 {sha}") and role in kind
    assert (source, date) == (admin.source, admin.date)
    about = pd.read_excel(beijing / "screening.xlsx", sheet_name="about", header=None)
    about = dict(zip(about[0], about[1]))
    assert f"SHA-256 {sha}" in about[f"Layer {admin.id}"] and role in about[f"Layer {admin.id}"]
    assert about["Coverage area from"] == "the admin boundaries"
    missing = re.search(rf"<b>{re.escape(word('missing_layers', 'en'))}:</b>([^<]*)<", html)
    assert missing is None or "admin" not in missing.group(1)  # listed, never a missing layer


def test_type_option_takes_every_project_type():
    """--type offers every type the projects' table accepts (the message for a row without a
    type names them all and --type as the fix: each must be accepted)."""
    from geo.vocabulary import TYPES
    from maps.cli.screen import TYPE_CHOICES

    assert TYPE_CHOICES == TYPES
