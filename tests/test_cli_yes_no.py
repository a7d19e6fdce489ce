"""Yes/no cells written as the numbers 1 and 0 in any spelling (review 25, F5).

An Excel 0/1 column exported as decimals (``1.0``, ``0.0``) made every project row an error
(“'1.0' is not a yes/no value”) and a layer's attribute unusable: 9 of the 41 demo projects had
no verdict. ``1.0`` and ``0.0`` are as unambiguous as 1 and 0; any other number still is not a
yes/no value. One reader for projects and layers (:func:`layers.kinds.yes_no`).
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from layers.demo import DEMO_CATALOG
from layers.kinds import yes_no
from maps.cli import cli

I05 = ("POLYGON ((106.6690159 26.7880992, 106.6689948 26.7899037, 106.6669841 26.7898848, "
       "106.6670052 26.7880803, 106.6690159 26.7880992))")
"""A 4 ha footprint in the demo's industrial park YQ04."""


def test_decimal_yes_no_cells_read_as_yes_and_no(tmp_path):
    rows = [("S1", "1.0", "0.0"), ("S2", "是", "否"), ("S3", "1.00", "0"), ("S4", "2", "否"),
            ("S5", "", "")]
    table = pd.DataFrame({"项目编号": [r[0] for r in rows], "项目名称": "钢铁厂",
                          "项目类型": "工业", "行业": "钢铁",
                          "是否两高": [r[1] for r in rows],
                          "区域削减替代已落实": [r[2] for r in rows], "wkt": I05})
    path = tmp_path / "projects.csv"
    table.to_csv(path, index=False, encoding="utf-8-sig")
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["screen", str(path), "--catalog", str(DEMO_CATALOG),
                                   "--crs", "EPSG:4326", "--out", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", dtype=str,
                      keep_default_na=False).set_index("project_id")
    assert got.at["S1", "verdict"] == got.at["S2", "verdict"] == "prohibited"
    assert got.at["S1", "reasons"] == got.at["S2", "reasons"] == got.at["S3", "reasons"]
    assert got.at["S4", "verdict"] == "error"  # 2 is a number, not a yes/no
    assert "'2' is not a yes/no value" in got.at["S4", "reasons"]
    assert got.at["S5", "verdict"] != "admitted"  # blank: unknown, never no


@pytest.mark.parametrize("value, expected", [
    ("1.0", True), ("0.0", False), (1.0, True), (0, False), ("１", True), ("已", True),
    ("0.5", None), ("-1", None), ("nan", None), ("", None), (None, None), ("maybe", None)])
def test_one_yes_no_reader_for_layers_and_projects(value, expected):
    assert yes_no(value) is expected
