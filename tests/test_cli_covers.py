"""A layer complete over some districts only (``covers`` in its catalog entry): where it ends its
rules were not checked, so a project there gets ``review``, never ``admitted`` (review 25 F1: a
farmland layer delivered for some counties only let a project on real farmland in another
county pass, and ``siting check`` printed "永久基本农田 2,000 m 内无" as if measured).

Each test runs the real command on a small real catalog: two districts meeting at :data:`X`,
real farmland in both, the farmland layer holding (and covering) only the first."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _screen_helpers import box, projects, to_lonlat, write_catalog
from click.testing import CliRunner

from maps.cli import cli

X = 5000.0
"""Where 南明区 (520102, west) meets 花溪区 (520111, east) [local m]."""
ADMIN = ("admin_boundary", [
    {"geometry": box(-20000, -20000, X, 60000), "admin_code": "520102", "name": "南明区"},
    {"geometry": box(X, -20000, 130000, 60000), "admin_code": "520111", "name": "花溪区"}])
WEST = box(0, 0, 1000, 1000)
"""Farmland in 南明区: in the layer."""
EAST = box(10000, 0, 11000, 1000)
"""Farmland in 花溪区: real, but not in the delivered layer."""
RULES = """[ruleset]
name = "farmland_only"

[[rule]]
id = "basic_farmland"
title_zh = "占用永久基本农田"
title_en = "Occupies permanent basic farmland"
source = "《土地管理法》第三十五条"
confidence = "V"
relation = "intersects"
layer = "basic_farmland"
outcome = "prohibited"
message_zh = "项目占用永久基本农田：不予准入。"
message_en = "The project occupies permanent basic farmland: not admissible."
"""
"""The one rule read here (the national set's without its exceptions): without the layer's gap
a project off the farmland layer is admitted."""
UNIT = ("control_unit", [{"geometry": box(-20000, -20000, 130000, 60000),
                          "unit_code": "ZH52010230001", "unit_type": "general"}])


def _catalog(tmp_path, farmland: dict | None = None, admin=ADMIN):
    layers = {"units": UNIT} | ({"admin": admin} if admin else {})
    layers |= farmland if farmland is not None else {
        "jbnt": ("basic_farmland", [{"geometry": WEST, "id": "JBNT-W"}], {"covers": ["520102"]})}
    return write_catalog(tmp_path / "region", layers, admin=admin is not None)


def _siting(*args: str) -> subprocess.CompletedProcess:
    """The real command line (its entry point turns a user mistake into exit code 2)."""
    root = str(Path(__file__).resolve().parents[1])
    return subprocess.run([sys.executable, "-c", "import sys; from maps.cli import main; "
                           "sys.exit(main())", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": root}, check=False)


def _screen(tmp_path, rows: list[dict], cat=None, *extra: str, lang: str = "zh",
            out: str = "out"):
    cat = cat or _catalog(tmp_path)
    f = tmp_path / "projects.gpkg"
    projects([{"type": "tourism", **r} for r in rows]).to_file(f)
    rules = tmp_path / "farmland_only.toml"
    rules.write_text(RULES, encoding="utf-8")
    r = CliRunner().invoke(cli, ["screen", str(f), "--catalog", str(cat), "--rules", str(rules),
                                 "--out", str(tmp_path / out), "--lang", lang, *extra])
    assert r.exit_code == 0, r.output
    read = dict(encoding="utf-8-sig", keep_default_na=False)
    return (pd.read_csv(tmp_path / out / "screening.csv", **read),
            pd.read_csv(tmp_path / out / "screening_hits.csv", **read))


def test_a_project_on_farmland_outside_the_layers_covers_is_review_naming_layer_and_share(
        tmp_path):
    summary, hits = _screen(tmp_path, [{"project_id": "G1", "name": "花溪区驿站",
                                        "geometry": box(10400, 400, 10500, 500)}], lang="en")
    assert summary["verdict"].tolist() == ["review"]
    h = hits[(hits["rule_id"] == "basic_farmland") & (hits["check"] == "unknown")]
    assert h["outcome"].tolist() == ["review"] and h["layer_id"].tolist() == ["jbnt"]
    assert float(h["overlap_share"].iloc[0]) == pytest.approx(1.0)
    assert h["message"].iloc[0] == (
        "not checked over 100.0% of the footprint: layer jbnt covers only 南明区 (520102) "
        "(`covers` in the catalog); verify it there by hand (treated as review)")
    assert "not checked (layer does not cover this place)" in summary["reasons"].iloc[0]


def test_the_same_project_on_farmland_inside_the_covered_district_is_prohibited(tmp_path):
    summary, hits = _screen(tmp_path, [{"project_id": "G1", "name": "南明区驿站",
                                        "geometry": box(400, 400, 500, 500)}])
    assert summary["verdict"].tolist() == ["prohibited"]
    assert set(hits.loc[hits["rule_id"] == "basic_farmland", "check"]) == {"fired"}
    assert "未覆盖" not in " ".join(hits["message"])


def test_a_project_half_in_the_gap_is_review_with_half_its_footprint(tmp_path):
    summary, hits = _screen(tmp_path, [{"project_id": "H", "name": "跨区驿站",
                                        "geometry": box(X - 50, 5000, X + 50, 5100)}])
    assert summary["verdict"].tolist() == ["review"]
    h = hits[hits["check"] == "unknown"]
    assert h["rule_id"].tolist() == ["basic_farmland"]
    # the district line is straight in lon/lat, the footprint's middle in local metres: 49.9 %
    assert float(h["overlap_share"].iloc[0]) == pytest.approx(0.5, abs=0.005)
    assert re.match(r"项目 (49\.\d|50\.\d)% 未经核查：图层 jbnt 仅覆盖 南明区 \(520102\)",
                    h["message"].iloc[0])
    # the report's checklist does not name the farmland among the kinds with none within 2 km
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    assert re.search(r"永久基本农田\s+未能全部核查（见未知事实）\s+事实未知（按需论证处理）:\s+项目 "
                     r"(49|50)\.\d% 未经核查", text)
    assert not re.search(r"内无要素:[^审]*永久基本农田", text)


@pytest.mark.parametrize("other", [{}, {"covers": ["520111"]}])
def test_a_kind_is_covered_where_any_of_its_layers_is(tmp_path, other):
    """A second farmland layer for 花溪区 (or one without covers: everywhere) closes the gap."""
    farmland = {"jbnt": ("basic_farmland", [{"geometry": WEST, "id": "JBNT-W"}],
                         {"covers": ["520102"]}),
                "jbnt_hx": ("basic_farmland", [{"geometry": EAST, "id": "JBNT-E"}], other)}
    summary, hits = _screen(tmp_path, [
        {"project_id": "E", "geometry": box(10400, 400, 10500, 500)},
        {"project_id": "C", "geometry": box(X + 2000, 5000, X + 2100, 5100)}],
        _catalog(tmp_path, farmland))
    assert summary["verdict"].tolist() == ["prohibited", "admitted"]
    assert (hits["check"] != "unknown").all()


def test_a_code_no_admin_feature_has_is_a_catalog_error(tmp_path):
    cat = _catalog(tmp_path, {"jbnt": ("basic_farmland", [{"geometry": WEST}],
                                       {"covers": ["520102", "529999"]})})
    for args in (["layers", str(cat)], ["check", "--coords", "wgs84", "--point", "106.75,26.6", "--type",
                                        "tourism", "--catalog", str(cat)]):
        r = _siting(*args)
        assert r.returncode == 2, r.stderr
        assert "layer 'jbnt', key 'covers': no admin_boundary feature has the code(s) 529999; " \
               "the codes that exist are: 520102, 520111" in r.stderr
        assert "Traceback" not in r.stderr


def test_covers_without_an_admin_layer_is_a_catalog_error(tmp_path):
    cat = _catalog(tmp_path, admin=None)
    r = _siting("layers", str(cat))
    assert r.returncode == 2, r.stderr
    assert "layer 'jbnt', key 'covers': the catalog has no admin_boundary layer" in r.stderr


def test_siting_layers_and_the_report_show_the_districts_a_layer_covers(tmp_path):
    cat = _catalog(tmp_path)
    r = CliRunner().invoke(cli, ["layers", str(cat)])
    assert r.exit_code == 0, r.output
    assert "仅覆盖（covers，其余区域相关规则需论证）: 南明区 (520102)" in r.output
    _screen(tmp_path, [{"project_id": "G1", "geometry": box(400, 400, 500, 500)}], cat)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<small>仅覆盖：南明区 (520102)</small>" in html


def test_two_workers_give_the_same_tables_as_one_process(tmp_path):
    cat = _catalog(tmp_path)
    rows = [{"project_id": f"P{i}", "geometry": box(x, y, x + 100, y + 100)}
            for i, (x, y) in enumerate([(400, 400), (10400, 400), (X - 50, 5000),
                                        (-15000, 30000), (90000, 40000), (2000, 2000)])]
    one = _screen(tmp_path, rows, cat, out="one")
    _screen(tmp_path, rows, cat, "--workers", "2", out="two")
    assert one[0]["verdict"].tolist() == ["prohibited", "review", "review", "admitted",
                                          "review", "admitted"]
    for name in ("screening.csv", "screening_hits.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_check_a_point_in_the_gap_says_the_layer_does_not_cover_it(tmp_path):
    cat = _catalog(tmp_path)
    pt = to_lonlat([box(10400, 400, 10500, 500).centroid]).iloc[0]
    rules = tmp_path / "farmland_only.toml"
    rules.write_text(RULES, encoding="utf-8")
    r = CliRunner().invoke(cli, ["check", "--coords", "wgs84", "--point", f"{pt.x:.6f},{pt.y:.6f}", "--type",
                                 "tourism", "--catalog", str(cat), "--rules", str(rules)])
    assert r.exit_code == 0, r.output
    assert "结论: 需论证" in r.output
    line = next(x for x in r.output.splitlines() if x.strip().startswith("永久基本农田 "))
    assert "图层 jbnt 未覆盖此处（目录中的 covers）：未核查" in line and "内无" not in line
