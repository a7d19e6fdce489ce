"""The report ID names the data, not when it was prepared (review 24, finding 4).

``siting prepare`` records when each layer was prepared (``at`` in the prepared catalog,
``prepared_at`` in ``<id>.layer.json``); the same sources prepared again at another time must give
the same report ID ("输入相同，编号相同"), and a change in a layer's data another one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import types

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from layers import demo
from maps.cli import cli


def _clock(monkeypatch, when: str) -> None:
    """Make ``siting prepare`` believe it runs at ``when`` (ISO 8601)."""
    fixed = dt.datetime.fromisoformat(when)

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed

    monkeypatch.setattr("maps.cli.prepare.dt", types.SimpleNamespace(datetime=Clock))


def _prepare(catalog, out, when, monkeypatch, *extra) -> str:
    """Run ``siting prepare`` at ``when``; the time it records (in the local time zone)."""
    _clock(monkeypatch, when)
    res = CliRunner().invoke(cli, ["prepare", str(catalog), "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return dt.datetime.fromisoformat(when).astimezone().isoformat(timespec="seconds")


def _report_id(projects, catalog, out) -> str:
    res = CliRunner().invoke(cli, ["screen", str(projects), "--catalog", str(catalog), "--out",
                                   str(out), "--report-images", "0", "--lang", "en"])
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    return re.search(r'id="report-id">(SR-[0-9A-F]{12})<', html).group(1)


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_the_same_sources_prepared_again_give_the_same_report_id(tmp_path, monkeypatch):
    source = tmp_path / "guiyang"  # a copy: one of its layers is edited below
    shutil.copytree(demo.DEMO_CATALOG.parent, source)
    projects = tmp_path / "projects.geojson"
    gpd.read_file(demo.DEMO_PROJECTS).head(4).to_file(projects, driver="GeoJSON")
    out = tmp_path / "prepared"

    _prepare(source / "catalog.toml", out, "2026-01-05T09:00:00+08:00", monkeypatch)
    first_toml = (out / "catalog.toml").read_text(encoding="utf-8")
    first_data = {p.name: p.read_bytes() for p in out.glob("*.parquet")}
    first = _report_id(projects, out / "catalog.toml", tmp_path / "s1")

    later = _prepare(source / "catalog.toml", out, "2027-06-30T18:30:00+08:00", monkeypatch,
                     "--overwrite")
    again = (out / "catalog.toml").read_text(encoding="utf-8")
    assert f'at = "{later}"' in again and again != first_toml  # dated anew
    assert {p.name: p.read_bytes() for p in out.glob("*.parquet")} == first_data  # same bytes
    summary = json.loads((out / "red_lines.layer.json").read_text(encoding="utf-8"))
    assert summary["prepared_at"] == later  # the time is still shown
    assert _report_id(projects, out / "catalog.toml", tmp_path / "s2") == first
    assert later in (tmp_path / "s2" / "report.html").read_text("utf-8")

    # one red line moved by about 100 m: other zoning data, another report
    red = json.loads((source / "red_lines.geojson").read_text(encoding="utf-8"))
    moved = shapely.affinity.translate(shapely.geometry.shape(red["features"][0]["geometry"]),
                                       xoff=0.001)
    red["features"][0]["geometry"] = shapely.geometry.mapping(moved)
    (source / "red_lines.geojson").write_text(json.dumps(red, ensure_ascii=False),
                                              encoding="utf-8")
    _prepare(source / "catalog.toml", out, "2027-06-30T18:30:00+08:00", monkeypatch,
             "--overwrite")
    assert (out / "catalog.toml").read_text(encoding="utf-8") == again  # only the data differs
    assert _report_id(projects, out / "catalog.toml", tmp_path / "s3") != first
