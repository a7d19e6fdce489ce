"""A project far outside the region (an error row) is measured on the ellipsoid (review 27 F3):
its area came from the region's working CRS, 1.7 % too large near Beijing and 6 % near Harbin,
in every output; a reader places and sizes such a row from it."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyproj
import shapely
from click.testing import CliRunner

from layers import demo
from maps.cli import cli

SHAPES = {"F1": shapely.box(116.397, 39.897, 116.403, 39.903),  # Beijing
          "F2": shapely.box(126.6, 45.7, 126.61, 45.71),  # Harbin
          "F3": shapely.LineString([(116.40, 39.90), (116.50, 39.90)])}


def test_far_project_sizes_are_geodesic(tmp_path):
    src = tmp_path / "far.geojson"
    gpd.GeoDataFrame({"project_id": list(SHAPES), "name": list(SHAPES), "type": "pv"},
                     geometry=list(SHAPES.values()), crs=4326).to_file(src, driver="GeoJSON")
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["screen", str(src), "--catalog", str(demo.DEMO_CATALOG),
                                   "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "screening.csv", dtype={"project_id": str})
    assert (table["verdict"] == "error").all()
    geod = pyproj.Geod(ellps="WGS84")
    want = [abs(geod.geometry_area_perimeter(SHAPES["F1"])[0]),
            abs(geod.geometry_area_perimeter(SHAPES["F2"])[0]),
            geod.geometry_length(SHAPES["F3"])]
    got = gpd.read_file(out / "screening.geojson")["size"].tolist()
    for g, w in zip(got, want, strict=True):
        assert abs(g / w - 1) < 1e-3, (g, w)
