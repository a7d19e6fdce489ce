"""Two wind sites sharing usable land: the warning and the notes say what is counted twice.

For PV both sites cover the shared land with arrays, so the totals count its area and capacity
twice. For wind the turbines of different sites keep the spacing (a later site loses those too
close, :func:`geo.layout.keep_spacing`), so only the usable area is counted twice: the capacity
is that of distinct, spaced turbines. Runs the real command on two 800 m squares of the demo
region overlapping (see ``test_cli_wind_spacing``)."""

from __future__ import annotations

import json
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
from click.testing import CliRunner
from test_cli_wind_spacing import W1, W2

from geo.layout import _frame
from geo.profiles import load_profile
from maps.cli import cli

E = 0.008053  # W2's width [° of longitude], about 800 m
WIDE = [[W2[0][0] + 2 * E, W2[0][1]], [W2[1][0] + 2 * E, W2[1][1]],
        [W1[2][0] + E / 2, W1[2][1]], [W1[3][0] + E / 2, W1[3][1]]]
LONG = [W1[0], W1[1], [W1[2][0] - 2 * E, W1[2][1]], [W1[3][0] - 2 * E, W1[3][1]]]
"""WIDE from the middle of W1 to two widths east of W2, LONG from W1's east edge to two widths
west of W1 (each about 2800 m × 800 m): they share W1's east half (about 32 ha) and each keeps
turbines of its own beyond it."""


def test_overlapping_wind_sites_count_the_area_twice_not_the_capacity(tmp_path):
    features = [{"type": "Feature", "properties": {"site_id": sid, "name": sid},
                 "geometry": {"type": "Polygon", "coordinates": [ring + ring[:1]]}}
                for sid, ring in (("O1", LONG), ("O2", WIDE))]
    src = tmp_path / "overlap.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["score", "--demo", "--tech", "wind", "--candidates", str(src),
                                   "--out", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    sites = pd.read_csv(out / "sites.csv").set_index("site_id")
    assert (sites.loc[["user:O1", "user:O2"], "status"] == "usable").all(), sites["reason"]
    warning = [ln for ln in res.output.splitlines() if "share usable land" in ln]
    assert len(warning) == 1, res.output
    assert "user:O1+user:O2" in warning[0]
    assert "usable area total counts it twice" in warning[0]
    assert "capacity, generation and the supply curve do not" in warning[0]
    assert "the totals and the supply curve count it twice" not in warning[0]
    for sid in ("user:O1", "user:O2"):
        note = sites.loc[sid, "notes"]
        assert "the usable area total counts it twice (not the capacity" in note, note
        assert "the totals count it twice" not in note
    # what the words claim: the capacity is that of distinct turbines, kept apart across sites
    t = gpd.read_file(out / "turbines.geojson")
    rating = t["capacity_mw"].iloc[0]
    assert np.isclose(sites["capacity_mw"].sum(), len(t) * rating)
    t = t.to_crs(t.estimate_utm_crs())
    e = load_profile(None, "wind").energy
    d = t["rotor_diameter_m"].iloc[0]
    xy = np.column_stack([t.geometry.x, t.geometry.y])
    for i, j in combinations(range(len(t)), 2):
        if t["site_id"].iloc[i] != t["site_id"].iloc[j]:
            u, v = (xy[j] - xy[i]) @ _frame(e.wind_direction_deg)
            assert (u / (e.spacing_downwind_d * d)) ** 2 + \
                (v / (e.spacing_crosswind_d * d)) ** 2 >= 1 - 1e-6
