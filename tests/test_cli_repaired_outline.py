"""An outline that crosses itself (a "bow-tie": two vertices swapped) is repaired by the reader,
and the repaired shape is never ranked nor admitted as if it had been drawn (review F9, F2).

Each test runs the real command on a small real file."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _screen_helpers import to_lonlat
from click.testing import CliRunner
from siting_fixtures import UTM, X0, Y0, make_region

from maps.cli import cli


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return make_region(tmp_path_factory.mktemp("repair-region"))


def _corners(x0, y0, x1, y1, crs):
    """The corners of a box in lon/lat, counter-clockwise from the south-west."""
    import geopandas as gpd
    from shapely.geometry import Point

    pts = gpd.GeoSeries([Point(x0, y0), Point(x1, y0), Point(x1, y1), Point(x0, y1)],
                        crs=crs).to_crs(4326)
    return [(round(p.x, 7), round(p.y, 7)) for p in pts]


def _bowtie_geojson(path, corners, props):
    """A GeoJSON polygon with the 3rd and 4th corners swapped (rings written as given)."""
    sw, se, ne, nw = corners
    ring = [sw, se, nw, ne, sw]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": {"type": "Polygon", "coordinates": [[list(c) for c in ring]]}}]},
        ensure_ascii=False), encoding="utf-8")
    return path


def _score(catalog, path, out, *extra):
    return CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                    "--candidates", str(path), "--out", str(out), *extra])


def _sites(out):
    return pd.read_csv(out / "sites.csv", dtype={"source_id": str}).set_index("site_id")


def test_bowtie_candidate_goes_to_review_with_its_reason(catalog, tmp_path):
    """F9: a bow-tie polygon is not ranked; sites.csv, the GeoJSON and the report say why."""
    corners = _corners(X0 + 2000, Y0 + 3000, X0 + 2500, Y0 + 3500, UTM)
    f = _bowtie_geojson(tmp_path / "bow.geojson", corners, {"site_id": "BOW"})
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 0, r.output
    site = _sites(tmp_path / "o").loc["user:BOW"]
    assert site["status"] == "review" and pd.isna(site["rank"])
    assert "outline repaired: self-intersection at" in site["reason"]
    assert "2 parts" in site["reason"] and "边界已自动修复（自相交" in site["reason"]
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "outline repaired: self-intersection" in html
    gj = json.loads((tmp_path / "o" / "sites.geojson").read_text(encoding="utf-8"))
    assert "outline repaired" in gj["features"][0]["properties"]["reason"]
    assert "user:BOW" in r.output and "review" in r.output  # the terminal names the row


def test_vertex_table_with_swapped_rows_names_the_id_and_the_rows(catalog, tmp_path):
    """F9: 序号 3 and 4 swapped in a vertex table: review naming the id and the crossing edges."""
    rows = []
    for pid, (x0, y0) in (("A", (X0 + 2000, Y0 + 3000)), ("B", (X0 + 3000, Y0 + 3000))):
        sw, se, ne, nw = _corners(x0, y0, x0 + 500, y0 + 500, UTM)
        order = [sw, se, nw, ne] if pid == "A" else [sw, se, ne, nw]
        rows += [{"项目编号": pid, "序号": k + 1, "经度": lon, "纬度": lat}
                 for k, (lon, lat) in enumerate(order)]
    f = tmp_path / "vertices.csv"
    pd.DataFrame(rows).to_csv(f, index=False, encoding="utf-8")
    r = _score(catalog, f, tmp_path / "o", "--coords", "wgs84")
    assert r.exit_code == 0, r.output
    csv = _sites(tmp_path / "o")
    assert csv.loc["user:A", "status"] == "review"
    reason = csv.loc["user:A", "reason"]
    assert "outline repaired" in reason and "check the order of the vertex rows (序号) of A" \
        in reason
    assert "edge 序号 2→3 crosses edge 序号 4→1" in reason
    assert csv.loc["user:B", "status"] == "usable"
    assert "outline repaired" not in str(csv.loc["user:B", "reason"])


def test_points_only_candidates_are_each_named_with_a_hint(catalog, tmp_path):
    """F2: every non-polygon row is printed with its feature, and a hint when all are points."""
    from shapely.geometry import Point

    f = tmp_path / "points.geojson"
    pts = [to_lonlat([Point(0, 0)]).iloc[0], to_lonlat([Point(50, 50)]).iloc[0]]
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"site_id": sid},
         "geometry": {"type": "Point", "coordinates": [p.x, p.y]}}
        for sid, p in (("P1", pts[0]), ("P2", pts[1]))]}), encoding="utf-8")
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert "feature #1 (P1): not a polygon (Point)" in r.output
    assert "feature #2 (P2): not a polygon (Point)" in r.output
    assert "every candidate is a point" in r.output and "序号" in r.output
    csv = _sites(tmp_path / "o")
    assert list(csv["status"]) == ["error", "error"]
    assert "feature #1 (P1): not a polygon (Point)" in csv.loc["user:P1", "reason"]


def _demo_box(project_id, half=0.001):
    """The corners (SW, SE, NE, NW) of a small box [degrees] inside a demo project."""
    import geopandas as gpd

    from layers import demo

    g = gpd.read_file(demo.DEMO_PROJECTS).set_index("project_id").geometry[project_id]
    c = g.representative_point()
    return [(c.x - half, c.y - half), (c.x + half, c.y - half), (c.x + half, c.y + half),
            (c.x - half, c.y + half)]


def test_screen_bowtie_project_is_review_not_admitted(tmp_path):
    """F9: a bow-tie inside an admitted demo project is not admitted (review with a reason of its
    own); a bow-tie on the red line stays prohibited; the note is in screening.csv and the
    report."""
    feats = []
    for pid, inside, swap in (("BOW", "P01", True), ("OK", "P01", False),
                              ("RED", "P04", True)):
        sw, se, ne, nw = _demo_box(inside)
        ring = [sw, se, nw, ne, sw] if swap else [sw, se, ne, nw, sw]
        feats.append({"type": "Feature", "properties": {"project_id": pid, "type": "pv"},
                      "geometry": {"type": "Polygon", "coordinates": [[list(c) for c in ring]]}})
    f = tmp_path / "bow_projects.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    from layers import demo

    r = CliRunner().invoke(cli, ["screen", str(f), "--catalog", str(demo.DEMO_CATALOG),
                                 "--out", str(tmp_path / "o"),
                                 "--lang", "en"])
    assert r.exit_code == 0, r.output
    s = pd.read_csv(tmp_path / "o" / "screening.csv", encoding="utf-8-sig",
                    keep_default_na=False).set_index("project_id")
    assert s.loc["OK", "verdict"] == "admitted", s.loc["OK", "reasons"]
    assert s.loc["BOW", "verdict"] == "review"
    assert "repaired_outline" in s.loc["BOW", "reasons"]
    assert "self-intersection at" in s.loc["BOW", "reasons"]
    assert s.loc["RED", "verdict"] == "prohibited"
    assert "repaired_outline" in s.loc["RED", "reasons"]
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "self-intersection at" in html
