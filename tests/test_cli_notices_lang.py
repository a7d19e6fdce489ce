"""Reader problems on the terminal read in the language asked (review 21 F12): under ``--lang zh``
(the default) ``警告：要素 #1 (B1)：<中文> / <English>``, the place in Chinese too; under ``en``
as the reader wrote it, English first."""

from __future__ import annotations

import json

from click.testing import CliRunner

from layers.demo import DEMO_CATALOG
from maps.cli import cli

BOWTIE = [[106.65, 27.0], [106.66, 27.01], [106.66, 27.0], [106.65, 27.01], [106.65, 27.0]]
VERTICES = ("项目编号,序号,经度,纬度,项目类型\n"
            "A,1,106.65,27.0,pv\nA,2,106.66,27.0,pv\nA,3,106.66,27.01,pv\nA,4,106.65,27.01,pv\n"
            "D,1,106.70,27.0,pv\nD,2,,27.0,pv\nD,3,106.71,27.01,pv\nD,4,106.70,27.01,pv\n")


def _screen(path, out, *more):
    r = CliRunner().invoke(cli, ["screen", str(path), "--catalog", str(DEMO_CATALOG),
                                 "--out", str(out), *more])
    assert r.exit_code == 0, r.output
    return r.output


def _lines(output: str, start: str) -> list[str]:
    return [ln.strip() for ln in output.splitlines() if ln.strip().startswith(start)]


def test_bowtie_warning_reads_in_chinese_first(tmp_path):
    f = tmp_path / "bow.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"project_id": "B1", "type": "pv"},
        "geometry": {"type": "Polygon", "coordinates": [BOWTIE]}}]}), encoding="utf-8")
    zh = _lines(_screen(f, tmp_path / "zh"), "警告：要素 #1 (B1)：")
    assert len(zh) == 1 and "无效几何图形（自相交" in zh[0] and "make_valid 修复" in zh[0]
    assert " / feature #1 (B1): invalid geometry" in zh[0]  # and its English after
    en = _lines(_screen(f, tmp_path / "en", "--lang", "en"), "warning: feature #1 (B1): invalid")
    assert len(en) == 1


def test_blank_longitude_error_reads_in_chinese_first(tmp_path):
    f = tmp_path / "vert.csv"
    f.write_text(VERTICES, encoding="utf-8")
    zh = _lines(_screen(f, tmp_path / "zh", "--coords", "wgs84"), "错误：要素 D：")
    assert zh == ["错误：要素 D：第 7 行：“经度”列没有值；已保留，但无几何图形 / "
                  "feature D: row 7: no value in column '经度'; kept without geometry"]
    en = _lines(_screen(f, tmp_path / "en", "--coords", "wgs84", "--lang", "en"),
                "error: feature D:")
    assert en and en[0].startswith("error: feature D: row 7: no value in column '经度'")
