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


def test_a_count_option_is_refused_in_both_languages(tmp_path):
    """Review 29 LOW 2: --workers 0 was click's "0 is not in the range x>=1", English only,
    without what leaving it out does."""
    for args in (["screen", "--demo", "--workers", "0"], ["screen", "--demo", "--workers", "abc"],
                 ["screen", "--demo", "--report-images", "-1"]):
        res = _run(*args, "--out", tmp_path / "o", "--lang", "zh")
        assert res.exit_code == 2 and not (tmp_path / "o").exists()
        assert "不是不小于" in res.output and "is not a whole number of at least" in res.output
        if "--workers" in args:
            assert "省略 --workers 即使用全部核心" in res.output and "use every core" in res.output


def test_more_workers_than_cores_are_capped_and_said(tmp_path):
    """Review 29 LOW 2: --workers 10000 started a process per worker asked (each holding its
    tiles' layers), and nothing said how many ran."""
    from maps.cli.workers import Workers, cores, most_workers

    pool = Workers(most_workers() + 7)
    assert pool.workers == max(cores(), 2) and pool.capped
    assert not Workers(1).capped and not Workers().capped
    res = _run("-q", "screen", "--demo", "--workers", most_workers() + 7, "--lang", "en",
               "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    assert f"--workers {most_workers() + 7}: this machine has {cores()} core(s); screening on " \
        f"{most_workers()} processes" in res.output
