"""``siting score`` and a layer complete in some districts only (``covers``).

Screening makes the rules of such a layer review where it has no data (tests/test_cli_covers.py);
``score`` ranked the land there as usable, as if "no farmland" were known. Now that land is
excluded as unknown (counted in ``excluded_unknown_ha``, said in the site's reason), as land
outside the catalog's coverage is.
"""

from __future__ import annotations

import shutil

import geopandas as gpd
import pandas as pd
import shapely
from click.testing import CliRunner

from layers.demo import DEMO_CATALOG
from maps.cli import cli

COVERED = "520102"  # 南明区: the farmland layer is complete there only


def test_score_excludes_land_a_layer_does_not_cover(tmp_path):
    demo = tmp_path / "demo"
    shutil.copytree(DEMO_CATALOG.parent, demo)
    catalog = demo / "catalog.toml"
    text = catalog.read_text(encoding="utf-8")
    entry = 'path = "basic_farmland.geojson"\n'
    assert text.count(entry) == 1
    catalog.write_text(text.replace(entry, f'{entry}covers = ["{COVERED}"]\n'), encoding="utf-8")
    outs, said = {}, {}
    for name, cat in (("full", DEMO_CATALOG), ("part", catalog)):
        res = CliRunner().invoke(cli, ["score", "--tech", "pv", "--catalog", str(cat),
                                       "--out", str(tmp_path / name), "--lang", "en"],
                                catch_exceptions=False)
        assert res.exit_code == 0, res.output
        said[name] = res.output
        outs[name] = pd.read_csv(tmp_path / name / "sites.csv").set_index("site_id")
    full, part = outs["full"], outs["part"]
    assert (part["usable_area_ha"] <= full["usable_area_ha"] + 1e-6).all()

    # no usable land outside the covered district (inside the catalog's coverage)
    admin = gpd.read_file(demo / "admin_boundaries.geojson").to_crs(4545)
    gap = shapely.difference(admin.union_all(), admin[admin["admin_code"] == COVERED].union_all())
    usable = gpd.read_file(tmp_path / "part" / "usable.geojson").to_crs(4545)
    assert usable.intersection(gap).area.max() < 1.0  # [m²]
    before = gpd.read_file(tmp_path / "full" / "usable.geojson").to_crs(4545)
    assert before.intersection(gap).area.sum() > 100 * 10_000  # the demo had land there

    # a site that lost land to the gap says so and counts it as unknown
    lost = part.index[(full["usable_area_ha"] - part["usable_area_ha"]) > 1]
    assert len(lost)
    site = part.loc[lost[0]]
    assert site["excluded_unknown_ha"] > 1
    assert "excluded because a fact is unknown" in site["reason"]
    warning = ("warning: exclusion 'basic_farmland': layer basic_farmland covers only 南明区 "
               "(520102) (`covers` in the catalog): elsewhere Permanent basic farmland is "
               "unknown, excluded")
    assert warning in said["part"] and "covers only" not in said["full"], said["part"]
    report = (tmp_path / "part" / "report.html").read_text(encoding="utf-8")
    assert "仅覆盖 南明区 (520102)" in report
