"""How the commands write (contract C6), through the real CLI on real files.

Outputs are staged beside ``--out`` and moved into place; ``--overwrite`` replaces only what
siting wrote (listed in ``.siting-manifest.json``); ``--out`` on or around an input is refused
before anything is touched; a late writer's failure loses nothing already written; an internal
error is one line and a log, never a traceback.
"""

from __future__ import annotations

import json
import sys

import click
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _screen_helpers import box, projects, write_catalog
from click.testing import CliRunner

import geo.screen  # noqa: F401 (the module, patched below)
import maps.cli
from maps.cli import cli
from maps.cli.manifest import MANIFEST, read_manifest, stamp, write_manifest
from maps.cli.outputs import LOG_NAME
from maps.cli.screen import FILES


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """A catalog in its own data folder and a project file in another folder."""
    root = tmp_path_factory.mktemp("outputs")
    cat = write_catalog(root / "data", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": "红线"}]),
        "units": ("control_unit", [{"geometry": box(-3000, -3000, 3000, 3000),
                                    "unit_type": "key", "unit_code": "ZH52010220001"}]),
    })
    (root / "projects").mkdir()
    rows = [{"project_id": "P1", "name": "一号", "type": "pv", "geometry": box(100, 100, 200, 200)},
            {"project_id": "P2", "name": "二号", "type": "wind",
             "geometry": box(1000, 1000, 1100, 1100)}]
    projects(rows).to_file(root / "projects" / "projects.gpkg")
    return root, cat, root / "projects" / "projects.gpkg"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def snapshot(folder):
    """Every file and folder below ``folder`` with its bytes and modification time."""
    return {p.relative_to(folder).as_posix(): None if p.is_dir() else
            (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*")}


def test_overwrite_keeps_unrelated_files(region, tmp_path):
    _, cat, proj = region
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "data.csv").write_text("a,b\n", encoding="utf-8")
    res = run("screen", proj, "--catalog", cat, "--out", out)
    assert res.exit_code == 2 and "--overwrite" in res.output  # not empty: ask first
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "sub"]
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 0, res.output
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "sub" / "data.csv").read_text(encoding="utf-8") == "a,b\n"
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert manifest == {name: "screen" for name in FILES + ("screening.qml",)}  # + its style
    before = (out / "screening.csv").stat().st_mtime_ns
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")  # again: replaced
    assert res.exit_code == 0, res.output
    assert (out / "screening.csv").stat().st_mtime_ns >= before
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".siting-tmp")]


def test_overwrite_never_replaces_a_file_siting_did_not_write(region, tmp_path):
    _, cat, proj = region
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("my own report", encoding="utf-8")
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 2
    assert "report.html was not written by siting" in res.output
    assert [p.name for p in out.iterdir()] == ["report.html"]
    assert (out / "report.html").read_text(encoding="utf-8") == "my own report"


def test_overwrite_never_replaces_a_file_edited_since_siting_wrote_it(region, tmp_path):
    """A file siting wrote and the user edited since (size or date differ from the manifest's
    stamps) holds the user's work: --overwrite refuses, naming it, and touches nothing; once it
    is moved away the run goes on."""
    _, cat, proj = region
    out = tmp_path / "out"
    assert run("screen", proj, "--catalog", cat, "--out", out).exit_code == 0
    stamps = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["stamps"]
    assert set(stamps) == set(json.loads((out / MANIFEST).read_text("utf-8"))["files"])
    with open(out / "screening.csv", "a", encoding="utf-8") as f:
        f.write("my note\n")
    before = snapshot(out)
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 2
    assert "screening.csv in" in res.output and "changed after siting wrote them" in \
        res.output and "Traceback" not in res.output
    assert snapshot(out) == before  # nothing replaced, nothing removed
    (out / "screening.csv").rename(tmp_path / "mine.csv")
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "mine.csv").read_text(encoding="utf-8").endswith("my note\n")


def test_an_edited_style_or_stale_file_is_refused_too(tmp_path):
    """Every file the command wrote counts, not only those it names in advance: an edited QGIS
    style beside the GeoPackage, or an edited file of an earlier run that this run would remove
    as stale, is refused up front, naming it; a .qml of the user's where siting writes its
    styles is in the way before any work (it was found only when placing the outputs)."""
    from layers import demo

    out = tmp_path / "out"
    assert run("screen", "--demo", "--out", out).exit_code == 0
    style = next(out.glob("screening*.qml"))
    stale = next(p for p in (out / "gcj02").iterdir() if p.is_file())
    for edited in (style, stale):
        original = edited.read_bytes()
        edited.write_bytes(original + b"\n")
        before = snapshot(out)
        res = run("screen", demo.DEMO_PROJECTS, "--catalog", demo.DEMO_CATALOG, "--out", out,
                  "--overwrite")
        assert res.exit_code == 2 and edited.name in res.output, res.output
        assert snapshot(out) == before
        edited.unlink()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "screening_points.qml").write_text("my style", encoding="utf-8")
    res = run("screen", demo.DEMO_PROJECTS, "--catalog", demo.DEMO_CATALOG, "--out", mine,
              "--overwrite")
    assert res.exit_code == 2 and "screening_points.qml" in res.output
    assert [p.name for p in mine.iterdir()] == ["screening_points.qml"]


def test_a_users_file_in_report_stays_and_only_a_page_name_is_in_the_way(region, tmp_path,
                                                                           monkeypatch):
    """out/report/ holds the pages of a paged report. A file of the user's there that siting
    would never write (notes.txt) does not block --overwrite and is never touched, whether the
    report is paged or not; one named like a page is in the way, and the message says which
    file, why and what to do. Siting's own pages there are replaced, and removed once stale."""
    import functools

    import maps.screening_report as sr

    _, cat, proj = region
    out = tmp_path / "out"
    assert run("screen", proj, "--catalog", cat, "--out", out).exit_code == 0
    assert not (out / "report").exists()  # 2 projects: one report.html
    (out / "report").mkdir()
    (out / "report" / "notes.txt").write_text("mine", encoding="utf-8")
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 0, res.output
    # paged (as above 300 projects): one page per project, beside the user's file
    monkeypatch.setattr(sr, "write_report", functools.partial(sr.write_report, paged_above=1,
                                                              page_size=1))
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 0, res.output
    pages = ["report/page-0001.html", "report/page-0002.html"]
    assert sorted(p.name for p in (out / "report").iterdir()) == [
        "notes.txt", "page-0001.html", "page-0002.html"]
    assert set(pages) <= set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")  # ours: replaced
    assert res.exit_code == 0, res.output
    (out / "report" / "page-0009.html").write_text("my page", encoding="utf-8")
    before = snapshot(out)
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert (f"{out / 'report' / 'page-0009.html'} is in the way: siting writes files named "
            f"page-*.html in {out / 'report'} for a report of more than 300 projects") in said
    assert "and did not write this one (it is not listed in" in said
    assert "rename it or move it out of that folder" in said and "Traceback" not in said
    assert snapshot(out) == before
    (out / "report" / "page-0009.html").unlink()
    monkeypatch.undo()  # one report.html again: siting's stale pages go, the user's file stays
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 0, res.output
    assert [p.name for p in (out / "report").iterdir()] == ["notes.txt"]
    assert (out / "report" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_users_page_refuses_a_small_batch_saying_exactly_why(region, tmp_path):
    """A small batch writes no pages, but --out is checked before the projects are read: a
    user's report/page-0001.html is in the way of any screen run, and the message says so
    (which file, that siting writes pages there only above 300 projects, that it cannot know
    yet, that the folder has no manifest), rather than that this run writes pages there. A
    name that differs only in letter case is called so. Nothing is written or removed."""
    _, cat, proj = region
    out = tmp_path / "out"
    (out / "report").mkdir(parents=True)
    (out / "report" / "page-0001.html").write_text("my page", encoding="utf-8")
    before = snapshot(out)
    for lang in ("en", "zh"):
        res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite", "--lang", lang)
        assert res.exit_code == 2, res.output
        said = " ".join(res.output.split())
        assert (f"{out / 'report' / 'page-0001.html'} is in the way: siting writes files named "
                f"page-*.html in {out / 'report'} for a report of more than 300 projects (its "
                "pages page-0001.html, page-0002.html …; --out is checked before the projects "
                "are read, so before siting knows how many this batch holds) and did not write "
                f"this one ({out} holds no .siting-manifest.json") in said
        assert "项目超过 300 个时，报告分页写入此目录" in said and "不会被覆盖" in said
        assert "Traceback" not in said and "letter case" not in said
        assert snapshot(out) == before
    mine = tmp_path / "mine"
    assert run("screen", proj, "--catalog", cat, "--out", mine).exit_code == 0
    (mine / "report").mkdir()
    (mine / "report" / "Page-0001.html").write_text("my page", encoding="utf-8")
    before = snapshot(mine)
    res = run("screen", proj, "--catalog", cat, "--out", mine, "--overwrite")
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert (f"(it is not listed in {mine / MANIFEST}; its name differs from theirs in letter "
            "case only)") in said and "文件名仅大小写不同" in said
    assert snapshot(mine) == before


def test_stale_outputs_of_the_same_command_are_removed(tmp_path):
    """The demo writes gcj02/ and mnr_txt/; a later plain run into the folder removes them,
    and leaves the user's file in gcj02/ alone."""
    from layers import demo

    out = tmp_path / "out"
    assert run("screen", "--demo", "--out", out).exit_code == 0
    (out / "gcj02" / "mine.txt").write_text("x", encoding="utf-8")
    res = run("screen", demo.DEMO_PROJECTS, "--catalog", demo.DEMO_CATALOG, "--out", out,
              "--overwrite")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (out / "gcj02").iterdir()) == ["mine.txt"]
    assert not (out / "mnr_txt").exists()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    styles = set(manifest) - set(FILES)  # the GeoPackage's QGIS styles, one per geometry type
    assert set(FILES) <= set(manifest) and styles and all(s.endswith(".qml") for s in styles)


def test_another_commands_outputs_are_refused_even_with_overwrite(region, tmp_path):
    """score --overwrite into a screening folder would replace the report a reviewer signs and
    leave the screening tables beside the siting report (review 26 F6): refused, nothing
    touched; the folder takes screen again, and a folder holding only a failed run's log
    takes either command."""
    _, cat, proj = region
    out = tmp_path / "out"
    assert run("screen", proj, "--catalog", cat, "--out", out).exit_code == 0
    before = snapshot(out)
    res = run("score", "--demo", "--tech", "pv", "--out", out, "--overwrite")
    assert res.exit_code == 2, res.output
    assert "siting screen" in res.output and "report.html" in res.output
    assert "另选输出目录" in res.output and "another output folder" in res.output
    assert snapshot(out) == before
    assert run("screen", proj, "--catalog", cat, "--out", out, "--overwrite").exit_code == 0
    for rel in json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]:
        (out / rel).unlink()  # the user removed the screening's files, not the manifest
    res = run("score", "--demo", "--tech", "pv", "--out", out, "--overwrite")
    assert res.exit_code == 0, res.output  # files listed but gone are in nobody's way
    logged = tmp_path / "logged"
    logged.mkdir()
    (logged / LOG_NAME).write_text("Traceback …", encoding="utf-8")
    write_manifest(logged, {LOG_NAME: "screen"}, {LOG_NAME: stamp(logged / LOG_NAME)})
    res = run("score", "--demo", "--tech", "pv", "--out", logged, "--overwrite")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("where", ["projects", "data", "root"])
def test_out_on_inputs_is_refused_before_anything_is_touched(region, where):
    root, cat, proj = region
    out = {"projects": proj.parent, "data": cat.parent, "root": root}[where]
    before, beside = snapshot(root), sorted(root.parent.iterdir())
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert f"{out} holds the input" in res.output
    assert snapshot(root) == before  # same files, bytes and modification times
    assert sorted(root.parent.iterdir()) == beside  # no staging folder left either


def test_a_new_folder_inside_the_data_folder_is_fine(region):
    _, cat, proj = region
    data = cat.parent
    res = run("screen", proj, "--catalog", cat, "--out", data / "results")
    assert res.exit_code == 0, res.output
    assert (data / "results" / "screening.csv").is_file()


def test_out_below_a_regular_file(region, tmp_path):
    _, cat, proj = region
    blocker = tmp_path / "a-file.txt"
    blocker.write_text("x", encoding="utf-8")
    res = run("screen", proj, "--catalog", cat, "--out", blocker / "out")
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "which is a file, not a folder" in res.output
    res = run("screen", proj, "--catalog", cat, "--out", blocker)
    assert res.exit_code == 2 and "is a file" in res.output
    assert blocker.read_text(encoding="utf-8") == "x"


def test_map_and_convert_refuse_to_write_over_their_inputs(region, tmp_path):
    _, cat, proj = region
    res = run("map", cat, "--out", cat.parent / "redline.gpkg", "--overwrite")
    assert res.exit_code == 2 and "is the input" in res.output
    src = tmp_path / "in.geojson"
    gpd.read_file(proj).to_file(src, driver="GeoJSON")
    res = run("convert", src, src, "--from", "gcj02", "--to", "wgs84", "--overwrite")
    assert res.exit_code == 2 and "is the input" in res.output
    res = run("map", cat, "--out", tmp_path / "m.html")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST, "in.geojson", "m.html"]
    assert read_manifest(tmp_path) == {"m.html": "map:file"}  # a named file, no folder output


def test_a_named_output_file_is_replaced_only_when_siting_wrote_it(region, tmp_path):
    """Review 28 F3: `map --out F --overwrite` replaced any F, a user's CSV included."""
    _, cat, _ = region
    mine = tmp_path / "keep.csv"
    mine.write_text("id,value\n1,important\n", encoding="utf-8")
    for args in ((), ("--overwrite",)):
        res = run("map", cat, "--out", mine, *args)
        assert res.exit_code == 2, res.output
        assert "siting did not write it" in res.output and str(mine) in res.output
        assert mine.read_text(encoding="utf-8") == "id,value\n1,important\n"
    page = tmp_path / "m.html"
    assert run("map", cat, "--out", page).exit_code == 0
    res = run("map", cat, "--out", page)
    assert res.exit_code == 2 and "--overwrite" in res.output  # siting's: replaced when asked
    assert run("map", cat, "--out", page, "--overwrite").exit_code == 0
    with page.open("a", encoding="utf-8") as f:
        f.write("<!-- my notes -->")
    res = run("map", cat, "--out", page, "--overwrite")
    assert res.exit_code == 2 and "changed after siting wrote" in res.output  # edited: the user's
    assert page.read_text(encoding="utf-8").endswith("<!-- my notes -->")
    folder = tmp_path / "scr"
    assert run("map", cat, "--out", folder / "catalog.html").exit_code == 0
    res = run("screen", region[2], "--catalog", cat, "--out", folder, "--overwrite")
    assert res.exit_code == 0, res.output  # a named map is not another command's folder output
    assert (folder / "catalog.html").is_file()


def test_a_failed_lonlat_carry_fails_the_geojson_and_geopackage_only(region, tmp_path,
                                                                     monkeypatch):
    """The footprints are carried to lon/lat once before the writers start; should that fail,
    the two files that need them fail (and say why), every other file is written."""
    _, cat, proj = region

    def broken(*args, **kwargs):
        raise RuntimeError("no lon/lat today")

    monkeypatch.setattr("layers.crs.to_lonlat_own", broken)
    monkeypatch.setattr("maps.qgis.to_lonlat_own", broken)
    out = tmp_path / "out"
    res = run("screen", proj, "--catalog", cat, "--out", out)
    assert res.exit_code == 1 and "Traceback" not in res.output
    errors = [line for line in res.stderr.splitlines() if "Error" in line]
    assert {n for n in ("screening.geojson", "screening.gpkg") if any(n in e for e in errors)} \
        == {"screening.geojson", "screening.gpkg"}, errors
    assert all("no lon/lat today" in e for e in errors)
    for name in set(FILES) - {"screening.geojson", "screening.gpkg"}:
        assert (out / name).stat().st_size > 0, name
    assert not (out / "screening.geojson").exists() and not (out / "screening.gpkg").exists()


@pytest.mark.parametrize("workers", ["1", "2"])  # writers one after the other, or forked
def test_late_writer_failure_keeps_what_was_written(region, tmp_path, monkeypatch, workers):
    _, cat, proj = region

    def broken_map(*args, **kwargs):
        raise RuntimeError("the map broke")

    monkeypatch.setattr("maps.screening_map.screening_map", broken_map)
    out = tmp_path / "out"
    res = run("screen", proj, "--catalog", cat, "--out", out, "--workers", workers)
    assert res.exit_code == 1
    errors = [line for line in res.stderr.splitlines() if "Error" in line]
    assert len(errors) == 1 and "map.html" in errors[0] and "the map broke" in errors[0]
    assert str(out / LOG_NAME) in errors[0] and "Traceback" not in res.output
    for name in FILES[:-1]:  # everything before the map was written and moved into place
        assert (out / name).stat().st_size > 0, name
    assert not (out / "map.html").exists()
    log = (out / LOG_NAME).read_text(encoding="utf-8")
    assert "Traceback" in log and "RuntimeError: the map broke" in log
    assert LOG_NAME in json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".siting-tmp")]
    monkeypatch.undo()
    res = run("screen", proj, "--catalog", cat, "--out", out, "--overwrite")
    assert res.exit_code == 0, res.output
    assert (out / "map.html").is_file() and not (out / LOG_NAME).exists()  # stale log removed


def _main(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["siting", *map(str, args)])
    with pytest.raises(SystemExit) as stop:
        maps.cli.main()
    return stop.value.code, capsys.readouterr()


def test_internal_error_is_one_line_and_a_log_in_the_output_folder(region, tmp_path,
                                                                   monkeypatch, capsys):
    _, cat, proj = region

    def bug(*args, **kwargs):
        raise KeyError("a bug in screening")

    monkeypatch.setattr(sys.modules["geo.screen"], "screen", bug)  # geo.screen is also a function
    out = tmp_path / "out"
    code, captured = _main(monkeypatch, capsys, "screen", proj, "--catalog", cat, "--out", out)
    assert code == 1
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "internal error" in lines[0] and "Traceback" not in captured.err
    assert str(out / LOG_NAME) in lines[0]
    log = (out / LOG_NAME).read_text(encoding="utf-8")
    assert "Traceback" in log and "a bug in screening" in log
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, LOG_NAME]


def test_internal_error_without_output_folder_logs_to_a_temp_file(tmp_path, monkeypatch,
                                                                  capsys):
    import tempfile

    def bug(*args, **kwargs):
        raise ValueError("rules broke")

    monkeypatch.setattr("geo.rules.load_rules", bug)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, captured = _main(monkeypatch, capsys, "rules")
    assert code == 1 and "Traceback" not in captured.err
    logs = list(tmp_path.glob("siting-error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in captured.err
    assert "ValueError: rules broke" in logs[0].read_text(encoding="utf-8")


def test_user_mistakes_through_main_exit_2(region, tmp_path, monkeypatch, capsys):
    _, cat, proj = region
    code, captured = _main(monkeypatch, capsys, "screen", proj, "--catalog",
                           tmp_path / "nope.toml", "--out", tmp_path / "o")
    assert code == 2 and "Traceback" not in captured.err and "nope.toml" in captured.err
    assert not (tmp_path / "o").exists()


def test_xlsx_sheet_limit_writes_everything_and_says_so(region, tmp_path, monkeypatch):
    _, cat, proj = region
    full = tmp_path / "full"
    assert run("screen", proj, "--catalog", cat, "--out", full).exit_code == 0
    n_hits = len(pd.read_csv(full / "screening_hits.csv", encoding="utf-8-sig"))
    assert len(pd.read_excel(full / "screening.xlsx", sheet_name="hits")) == n_hits > 2
    monkeypatch.setattr("maps.cli.workbook.XLSX_MAX_ROWS", 3)  # header + 2 rows per sheet
    out = tmp_path / "small"
    res = run("screen", proj, "--catalog", cat, "--out", out)
    assert res.exit_code == 0, res.output
    assert "sheet 'hits' left out" in res.stderr and "screening_hits.csv" in res.stderr
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
    assert len(pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig")) == n_hits
    book = pd.read_excel(out / "screening.xlsx", sheet_name=None)
    assert list(book) == ["screening", "columns", "about", "notes"] and len(book["screening"]) == 2
    notes = " ".join(book["notes"].iloc[:, 0])
    assert "'hits'" in notes and f"{n_hits:,} rows" in notes and "screening_hits.csv" in notes
    monkeypatch.setattr("maps.cli.workbook.XLSX_MAX_ROWS", 1_048_576)
    monkeypatch.setattr("maps.cli.workbook.XLSX_BUDGET_ROWS", n_hits - 1)  # quick to write, open
    out = tmp_path / "budget"
    res = run("screen", proj, "--catalog", cat, "--out", out)
    assert res.exit_code == 0 and "more than a workbook sheet is written and opened quickly" \
        in res.stderr
    book = pd.read_excel(out / "screening.xlsx", sheet_name=None)
    assert list(book) == ["screening", "columns", "about", "notes"] and len(book["screening"]) == len(
        pd.read_csv(out / "screening.csv", encoding="utf-8-sig"))


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_same_inputs_same_bytes(tmp_path):
    """Two runs of the demo write byte-identical files (folium ids, XLSX dates fixed); the
    manifest, siting's record of what it wrote and when (stamps), is bookkeeping, not output."""
    for cmd in (["screen", "--demo"], ["score", "--demo", "--tech", "pv"]):
        outs = [tmp_path / f"{cmd[0]}{i}" for i in (1, 2)]
        for out in outs:
            res = run(*cmd, "--out", out)
            assert res.exit_code == 0, res.output
        files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*")
                       if p.is_file() and p.name not in (LOG_NAME, MANIFEST))
        assert {"map.html", "report.html"} <= {f.name for f in files}
        assert any(f.suffix == ".xlsx" for f in files)
        assert files == sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*")
                               if p.is_file() and p.name not in (LOG_NAME, MANIFEST))
        for f in files:
            assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    pages = [(tmp_path / f"m{i}.html") for i in (1, 2)]
    for page in pages:
        assert run("map", "--demo", "--out", page).exit_code == 0
    assert pages[0].read_bytes() == pages[1].read_bytes()


def test_writers_with_files_unknown_in_advance(tmp_path):
    """The C6 API for other writers (paged reports): a declared folder ``pages/`` holds any
    number of files of any name, so a file of the user's in it blocks --overwrite; a declared
    pattern ``pages/p*.html`` only files of matching names."""
    from maps.cli.outputs import destination
    from maps.cli.staging import write_files

    def pages(path):
        for i in range(3):
            (path.parent / f"p{i}.html").write_text(str(i), encoding="utf-8")

    out = tmp_path / "out"
    dest = destination(out, "report", ["index.html", "pages/"])
    write_files(dest, [("index.html", lambda p: p.write_text("i", encoding="utf-8")),
                       ("pages/p0.html", pages)])
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")) == [
        "index.html", "pages/p0.html", "pages/p1.html", "pages/p2.html"]
    assert len(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]) == 4
    destination(out, "report", ["index.html", "pages/"], overwrite=True)  # all ours: fine
    (out / "pages" / "mine.txt").write_text("x", encoding="utf-8")
    with pytest.raises(click.BadParameter, match=r"mine.txt is in the way: siting writes files "
                       r"of any name in .*pages and did not write this one"):
        destination(out, "report", ["index.html", "pages/"], overwrite=True)
    # declared by name pattern, only a file of a matching name is in the way
    dest = destination(out, "report", ["index.html", "pages/p*.html"], overwrite=True)
    assert dest.declares("pages/p7.html") and not dest.declares("pages/mine.txt")
    assert not dest.declares("pages/sub/p7.html")
    assert dest.replaceable == {"index.html", "pages/p0.html", "pages/p1.html", "pages/p2.html"}
    (out / "pages" / "p9.html").write_text("x", encoding="utf-8")
    with pytest.raises(click.BadParameter, match=r"p9.html is in the way: siting writes files "
                       r"named p\*.html in .*pages and did not write this one"):
        destination(out, "report", ["index.html", "pages/p*.html"], overwrite=True)


def test_geojson_keeps_the_footprints_own_vertices(tmp_path):
    """The screening densifies lon/lat edges to transform them exactly; the GeoJSON written back
    in lon/lat has the user's vertices again, not hundreds of points along each edge."""
    import shapely

    from layers.crs import to_crs_dense, working_crs
    from maps.cli.tables import write_geojson

    square = shapely.Polygon([(106.60, 26.50), (106.65, 26.50), (106.65, 26.54), (106.60, 26.54)])
    lonlat = gpd.GeoSeries([square], crs="EPSG:4326")
    metric = to_crs_dense(lonlat, working_crs(tuple(square.bounds)))
    assert shapely.get_num_coordinates(metric.values)[0] > 100  # densified for the transform
    write_geojson(tmp_path / "p.geojson", gpd.GeoDataFrame({"id": ["A"]}, geometry=metric.values,
                                                           crs=metric.crs))
    back = gpd.read_file(tmp_path / "p.geojson").geometry.iloc[0]
    assert shapely.get_num_coordinates(back) == 5
    assert shapely.equals_exact(shapely.normalize(back), shapely.normalize(square), 1e-8)


def test_geopackage_keeps_the_footprints_own_vertices(tmp_path):
    """As the GeoJSON: the GeoPackage a QGIS user opens held the densified outline, 1,603
    vertices for a 5-vertex box and 11 times the file (review 29 LOW 3)."""
    import pyogrio
    import shapely

    from layers.crs import to_crs_dense, working_crs
    from maps.qgis import write_styled_gpkg

    square = shapely.Polygon([(106.60, 26.50), (106.65, 26.50), (106.65, 26.54), (106.60, 26.54)])
    metric = to_crs_dense(gpd.GeoSeries([square, None], crs="EPSG:4326"),
                          working_crs(tuple(square.bounds)))
    assert shapely.get_num_coordinates(metric.values)[0] > 100  # densified for the transform
    write_styled_gpkg(gpd.GeoDataFrame({"id": ["A", "B"], "verdict": ["review", "error"]},
                                       geometry=metric.values, crs=metric.crs)
                      .rename_geometry("geom"), tmp_path / "p.gpkg", "screening", "verdict", "en")
    back = pyogrio.read_dataframe(tmp_path / "p.gpkg", layer="screening")
    assert back.crs.to_epsg() == 4326 and back.geometry.iloc[1] is None
    assert list(back.columns) == ["id", "verdict", "geometry"]  # no second geometry column
    assert shapely.get_num_coordinates(back.geometry.iloc[0]) == 5
    assert shapely.equals_exact(shapely.normalize(back.geometry.iloc[0]),
                                shapely.normalize(square), 1e-8)


def test_an_empty_line_stays_2d_in_the_geopackage(tmp_path):
    """GEOS simplifies an empty line to LINESTRING Z EMPTY, which GDAL warns about in a layer of
    2D lines (a warning the test run turns into an error: found by test_screen_random)."""
    import warnings

    import shapely

    from maps.qgis import write_styled_gpkg

    lines = [shapely.LineString([(106.6, 26.5), (106.7, 26.6)]), shapely.from_wkt("LINESTRING EMPTY")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_styled_gpkg(gpd.GeoDataFrame({"id": ["A", "B"], "verdict": ["review", "error"]},
                                           geometry=lines, crs="EPSG:4326"),
                          tmp_path / "l.gpkg", "screening", "verdict", "en")
    back = gpd.read_file(tmp_path / "l.gpkg", layer="screening")
    assert not back.geometry.has_z.any() and len(back) == 2


def test_geojson_never_loses_a_footprint_to_the_vertex_cleanup(tmp_path, monkeypatch):
    """Where the quick simplifier would empty a footprint (here: one smaller than a coarse
    tolerance), the topology-preserving one keeps it."""
    import shapely

    from maps.cli.tables import write_geojson

    monkeypatch.setattr("layers.crs.STRAIGHT_DEG", 0.01)
    tiny = shapely.box(106.6, 26.5, 106.601, 26.501)
    big = shapely.box(106.0, 26.0, 106.5, 26.4)
    write_geojson(tmp_path / "p.geojson", gpd.GeoDataFrame(
        {"id": ["tiny", "big"]}, geometry=[tiny, big], crs="EPSG:4326"))
    back = gpd.read_file(tmp_path / "p.geojson")
    assert not back.geometry.isna().any() and not back.geometry.is_empty.any()
    assert back.geometry.is_valid.all() and back.geometry.iloc[0].area > 0


@pytest.mark.parametrize("values, plain", [
    (["a", None, 'é"x'], True), (pd.Series(["a", "b", None], dtype="str"), True),
    ([1.5, float("nan"), 1e300], True), ([1, 2, 3], True), ([True, False, True], True),
    ([None, None, None], True), (np.array([1, 2, 3], dtype=np.uint32), True),
    (np.array([1, 2, 3], dtype=np.uint64), False),  # Arrow would write real numbers
    ([True, None, False], False),  # Arrow would make it a boolean field, the row path text
    ([1, "a", None], False)])
def test_geojson_and_geopackage_through_arrow_are_the_same_files(tmp_path, monkeypatch, values,
                                                                 plain):
    """Plain columns go through Arrow (quicker); the files are the same byte for byte as the
    row path writes them; other columns take the row path."""
    import filecmp

    import shapely

    from maps.cells import arrow_plain
    from maps.cli.tables import write_geojson
    from maps.qgis import write_styled_gpkg

    gdf = gpd.GeoDataFrame({"verdict": ["admitted", "review", "prohibited"], "v": values},
                           geometry=[shapely.box(106.6, 26.5, 106.61, 26.51), None,
                                     shapely.Point(106.7, 26.6)], crs="EPSG:4326")
    assert arrow_plain(pd.DataFrame(gdf.drop(columns="geometry"))) is plain
    assert not arrow_plain(pd.DataFrame({"v": np.zeros(3, dtype=np.float16)}))
    for way, arrow in (("arrow", arrow_plain), ("rows", lambda frame: False)):
        monkeypatch.setattr("maps.cli.tables.arrow_plain", arrow)
        monkeypatch.setattr("maps.qgis.arrow_plain", arrow)
        (tmp_path / way).mkdir()
        write_geojson(tmp_path / way / "s.geojson", gdf)
        write_styled_gpkg(gdf, tmp_path / way / "s.gpkg", "screening", "verdict", "en")
    for name in ("s.geojson", "s.gpkg", "screening_polygons.qml", "screening_points.qml"):
        assert filecmp.cmp(tmp_path / "arrow" / name, tmp_path / "rows" / name, shallow=False)


def test_writers_run_at_once_in_forked_processes(tmp_path):
    """``processes=2``: the first file in a forked process, the second here, the rest on
    whichever is free; a failure keeps the others' files, notes come back, ``then`` writers
    read the finished outputs, nothing is left behind."""
    import os

    from maps.cli.outputs import OutputFailure, destination
    from maps.cli.staging import write_files

    parent = os.getpid()
    notes: list[str] = []

    def shapefile(path):  # a file with a sidecar, written by another process
        path.write_text(str(os.getpid()), encoding="utf-8")
        path.with_suffix(".prj").write_text("prj", encoding="utf-8")

    def broken(path):
        path.write_text("half", encoding="utf-8")
        assert os.getpid() == parent  # the second file is written here
        raise RuntimeError("the report broke")

    def noted(path):
        notes.append("c.txt: said something")
        path.write_text("c", encoding="utf-8")

    def printed(path):  # runs after the others, in this process, and reads one of them
        path.write_text(path.with_name("a.shp").read_text(encoding="utf-8") + "+", "utf-8")

    out = tmp_path / "out"
    dest = destination(out, "test", ["a.shp", "a.prj", "b.html", "c.txt", "d.pdf"])
    with pytest.raises(OutputFailure, match="could not write b.html .*the report broke"):
        write_files(dest, [("a.shp", shapefile), ("b.html", broken), ("c.txt", noted)],
                    processes=2, notes=notes, then=[("d.pdf", printed)])
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".siting")) == [
        "a.prj", "a.shp", "c.txt", "d.pdf", LOG_NAME]
    child = (out / "a.shp").read_text(encoding="utf-8")
    assert child != str(parent) and (out / "d.pdf").read_text(encoding="utf-8") == child + "+"
    assert notes == ["c.txt: said something"]
    assert "RuntimeError: the report broke" in (out / LOG_NAME).read_text(encoding="utf-8")
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith((".siting-tmp", ".writer"))]


def test_a_writer_process_that_dies_fails_its_file_only(tmp_path):
    """A forked writer killed mid-file (e.g. for want of memory) fails that file, named with the
    exit code; the files written here and the others are in place."""
    import os

    from maps.cli.outputs import OutputFailure, destination
    from maps.cli.staging import write_files

    def killed(path):
        path.write_text("half", encoding="utf-8")
        os._exit(9)

    def fine(path):
        path.write_text("ok", encoding="utf-8")

    out = tmp_path / "out"
    dest = destination(out, "test", ["a.html", "b.csv", "c.csv"])
    with pytest.raises(OutputFailure, match=r"could not write a.html \(RuntimeError: the process writing "
                                            r"a.html stopped before it finished \(exit code 9"):
        write_files(dest, [("a.html", killed), ("b.csv", fine), ("c.csv", fine)], processes=2)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".siting")) == [
        "b.csv", "c.csv", LOG_NAME]
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith((".siting-tmp", ".writer"))]


def test_an_interrupt_places_nothing_and_stops_the_helpers(tmp_path):
    """Ctrl-C while this process writes: the helper is stopped, nothing of the run is placed,
    not even the file the helper finished (a stopped run leaves the folder as it was, review 24
    F2: tests/test_cli_interrupt.py), no temporary folder is left."""
    import multiprocessing
    import time

    from maps.cli.outputs import destination
    from maps.cli.staging import write_files

    def quick(path):
        path.write_text("q", encoding="utf-8")

    def slow(path):  # the helper takes it after the quick file; stopped by the interrupt
        time.sleep(60)

    def interrupted(path):  # written here (the second file)
        deadline = time.monotonic() + 20
        while not list(path.parent.parent.glob("a.txt")) and time.monotonic() < deadline:
            time.sleep(0.05)  # the helper's quick file is in place in the staging folder
        time.sleep(1)  # and its report on the way
        raise KeyboardInterrupt

    out = tmp_path / "out"
    dest = destination(out, "test", ["a.txt", "b.txt", "c.txt"])
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        write_files(dest, [("a.txt", quick), ("b.txt", interrupted), ("c.txt", slow)],
                    processes=2)
    assert time.monotonic() - started < 30 and not multiprocessing.active_children()
    assert not out.exists()
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith((".siting-tmp", ".writer"))]


def test_files_start_longest_first_on_several_processes():
    """On several processes the report and the map start early and the workbook before the
    GeoPackage (the two processes then finish together); on one, the essential files first."""
    from maps.cli.screen import FILES, start_order

    pairs = [(f"gcj02/{name}", None) for name in FILES]
    assert [p for p, _ in start_order(pairs, 1)] == [p for p, _ in pairs]
    assert [p.split("/")[1] for p, _ in start_order(pairs, 2)] == [
        "screening.csv", "report.html", "screening_hits.csv", "screening.geojson", "map.html",
        "screening.xlsx", "screening.gpkg"]


def test_a_closed_pipe_stops_the_printing_not_the_work(tmp_path):
    """Review 20: ``siting screen … | head -1`` exited 1 and wrote no file (the summary line
    after the first broke the pipe before the outputs were written). Now the command finishes,
    writes every output and exits 0, printing nothing more and no traceback."""
    import subprocess

    import shapely

    from layers.demo import DEMO_CATALOG

    pts = tmp_path / "pts.geojson"
    gpd.GeoDataFrame({"project_id": ["a", "b"], "type": ["pv", "pv"]},
                     geometry=[shapely.Point(106.70, 26.58), shapely.Point(106.62, 26.66)],
                     crs=4326).to_file(pts, driver="GeoJSON")
    siting = [sys.executable, "-c", "from maps.cli import main; main()"]
    proc = subprocess.Popen([*siting, "screen", str(pts), "--catalog", str(DEMO_CATALOG),
                             "--out", str(tmp_path / "o"), "--lang", "en"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    proc.stdout.readline()  # as `| head -1`: one line, then the reader is gone
    proc.stdout.close()
    assert proc.wait(timeout=300) == 0
    assert {"screening.csv", "report.html", "map.html"} <= {p.name for p in (tmp_path / "o")
                                                            .iterdir()}
