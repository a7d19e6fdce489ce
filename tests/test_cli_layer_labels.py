"""A layer's problems name each feature by the id its catalog entry maps (review 25, F4).

A self-intersecting red line whose id column is ``红线编号`` (``columns = { id = "红线编号" }``) was
named ``#1`` in the repair warning, the reviewer had to count rows to find it; the id the catalog
maps is what the reviewer searches the source for.
"""

from __future__ import annotations

import shapely
from _screen_helpers import write_catalog
from click.testing import CliRunner

from maps.cli import cli


def test_repaired_feature_is_named_by_its_mapped_id(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (300, 300), (300, 0), (0, 300)])
    fine = shapely.box(1000, 1000, 1200, 1200)
    catalog = write_catalog(tmp_path, {"redline": ("ecological_red_line", [
        {"geometry": fine, "红线编号": "HX520102001", "id": None, "name": "甲"},
        {"geometry": bowtie, "红线编号": "HX520102002", "id": None, "name": "乙"},
    ], {"columns": {"id": "红线编号"}})})
    res = CliRunner().invoke(cli, ["layers", str(catalog), "--lang", "en"])
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if "make_valid" in x)
    assert "HX520102002" in line and "#2" not in line, line


def test_layer_attribute_warnings_have_a_chinese_half(tmp_path):
    """Review 25 F3: the warning on blank 管控单元类别 was English only, and ``siting layers``
printed every problem English first with an English ``[warning]`` tag, under --lang zh."""
    catalog = write_catalog(tmp_path, {"units": ("control_unit", [
        {"geometry": shapely.box(0, 0, 500, 500), "unit_type": "key", "unit_code": "ZH1"},
        {"geometry": shapely.box(500, 0, 1000, 500), "unit_type": None, "unit_code": "ZH2"},
    ])})
    res = CliRunner().invoke(cli, ["layers", str(catalog)])
    line = next(x for x in res.output.splitlines() if "'unit_type'" in x)
    # Chinese first under zh, the severity in words
    assert line.startswith("    - 警告：属性 'unit_type'（管控单元类别）在 2 个要素中有 1 个为空（units-2）："
                           "规则视为未知（需论证）"), line
    assert "defaults = { unit_type = " in line and line.index("属性") < line.index("is blank")
    en = CliRunner().invoke(cli, ["layers", str(catalog), "--lang", "en"]).output
    line = next(x for x in en.splitlines() if "'unit_type'" in x)
    assert line.startswith("    - warning: catalog.toml, layer 'units' (units.gpkg): attribute "
                           "'unit_type' (unit type) is blank for 1 of 2 feature(s)"), line
