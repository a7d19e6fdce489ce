"""Wind turbines of neighbouring sites keep the profile's spacing (review 28 F5).

Each site is laid out on its own; across the shared edge of two adjacent 800 m squares the old
layout put two turbines 540 m (3.6 rotor diameters) apart, below the 5 D crosswind / 7 D downwind
spacing, and counted all four with nothing said. Now the site placed second loses the turbines
too close, its capacity counts the rest, both sites' notes and the terminal say so.
"""

from __future__ import annotations

import json
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from geo.layout import _frame
from geo.profiles import load_profile
from maps.cli import cli

W1 = [[106.537256630537726, 26.935062687812731], [106.537163466400955, 26.942280374923364],
      [106.529110173291144, 26.942196632303464], [106.529203849871067, 26.934978971194411]]
W2 = [[106.545309446158612, 26.935145945149646], [106.54521679447457, 26.942363658119255],
      [106.537163466400955, 26.942280374923364], [106.537256630537726, 26.935062687812731]]
"""Two 800 m × 800 m squares sharing an edge, in the demo region (lon, lat) [°]."""


@pytest.fixture(scope="module")
def adjacent(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wind_spacing")
    features = [{"type": "Feature", "properties": {"site_id": sid, "name": sid},
                 "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}}
                for sid, ring in (("W1", W1), ("W2", W2))]
    src = tmp / "adjacent.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    res = CliRunner().invoke(cli, ["score", "--demo", "--tech", "wind", "--candidates", str(src),
                                   "--out", str(tmp / "out"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    return tmp / "out", res.output


def test_no_two_turbines_of_different_sites_stand_closer_than_the_spacing(adjacent):
    out, _ = adjacent
    e = load_profile(None, "wind").energy
    t = gpd.read_file(out / "turbines.geojson")
    t = t.to_crs(t.estimate_utm_crs())
    d = t["rotor_diameter_m"].iloc[0]
    xy = np.column_stack([t.geometry.x, t.geometry.y])
    for i, j in combinations(range(len(t)), 2):
        if t["site_id"].iloc[i] == t["site_id"].iloc[j]:
            continue
        u, v = (xy[j] - xy[i]) @ _frame(e.wind_direction_deg)
        ellipse = (u / (e.spacing_downwind_d * d)) ** 2 + (v / (e.spacing_crosswind_d * d)) ** 2
        assert ellipse >= 1 - 1e-6, (t["site_id"].iloc[i], t["site_id"].iloc[j],
                                     np.hypot(u, v) / d)


def test_totals_count_the_turbines_placed_and_the_pair_is_named(adjacent):
    out, output = adjacent
    sites = pd.read_csv(out / "sites.csv").set_index("site_id")
    t = gpd.read_file(out / "turbines.geojson")
    placed = t.groupby("site_id").size()
    usable = sites[sites["status"] == "usable"]
    assert usable["turbines"].to_dict() == placed.reindex(usable.index).to_dict()
    rating = t["capacity_mw"].iloc[0]
    assert np.isclose(usable["capacity_mw"].sum(), len(t[t["site_id"].isin(usable.index)]) * rating)
    warning = [line for line in output.splitlines() if line.startswith("warning:")
               and "closer than the spacing" in line]
    assert warning and "user:W1" in warning[0] and "user:W2" in warning[0]
    notes = sites["notes"].fillna("") + sites["reason"].fillna("")
    assert "dropped" in notes.str.cat() and all("user:W" in n for n in notes)
