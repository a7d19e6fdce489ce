"""Small messages a new user met (reviews 27 and 28): each says what is wrong where it is, and
a bad value is refused with exit code 2."""

from __future__ import annotations

from click.testing import CliRunner

from geo.projects import normalize_projects
from layers import demo
from maps.cli import cli


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_check_without_type_names_the_missing_option():
    """Review 27 F6: it said "Invalid value for --point" and asked for a column."""
    res = _run("check", "--point", "106.7,26.6", "--coords", "wgs84", "--demo", "--lang", "en")
    assert res.exit_code == 2
    assert "Missing option '--type'" in res.output and "--point" not in res.output


def test_negative_ratio_is_not_called_not_a_number():
    """Review 27 F7: '-3' was "not a number", and the Chinese half carried English."""
    import geopandas as gpd
    import shapely

    one = gpd.GeoDataFrame({"project_id": ["H5", "H6"], "type": ["industrial"] * 2,
                            "replacement_ratio": ["-3", "abc"]},
                           geometry=[shapely.Point(0, 0)] * 2, crs=4326)
    err = normalize_projects(one)["error"].tolist()
    assert "replacement_ratio: '-3' must be a number of at least 0" in err[0]
    assert "not a number" not in err[0]
    assert "“replacement_ratio”列的值 'abc' 不是数字（产能置换比例（如 1.25 或 1.25:1））" in err[1]


def test_negative_top_is_refused(tmp_path):
    """Review 28 F8: --top -3 printed 27 of 30 ranked sites."""
    res = _run("score", "--demo", "--tech", "pv", "--top", "-3", "--out", tmp_path / "o")
    assert res.exit_code == 2 and "--top" in res.output
    assert not (tmp_path / "o").exists()


def test_unreadable_table_names_the_file_in_chinese(tmp_path):
    """Review 28 F7: the Chinese half did not name the file."""
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    res = _run("screen", empty, "--catalog", demo.DEMO_CATALOG, "--coords", "wgs84",
               "--out", tmp_path / "o")
    assert res.exit_code == 2
    zh = [line for line in res.output.splitlines() if "无法读取表格" in line]
    assert zh and f"{empty}：无法读取表格" in zh[0]
