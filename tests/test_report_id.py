"""The report ID names the data, not when it was prepared (review 24, finding 4).

``siting prepare`` records when each layer was prepared (``at`` in the prepared catalog,
``prepared_at`` in ``<id>.layer.json``); the same sources prepared again at another time must give
the same report ID ("输入相同，编号相同"), and a change in a layer's data another one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import types
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
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


def test_projects_digest_is_the_hash_of_the_texts_and_footprints():
    """The projects' part of the report ID is, however it is computed, the SHA-256 of
    ``hash_pandas_object`` of the attributes as text and of the footprints' WKB: texts, numbers
    (``-0.0``, NaN, infinities), booleans, None and objects of mixed types alike, so that a
    signed report keeps its ID."""
    from maps.report_meta import projects_digest

    n = 6000  # more footprints than are hashed at once
    rng = np.random.default_rng(3)
    pick = rng.integers(0, 7, n)
    table = {
        "project_id": [f"P{i:05d}" for i in range(n)],
        "name": np.array(["项目", "", "a b", "x", "y", "z", "项目"], dtype=object)[pick],
        "text_none": np.array(["a", None, "b", None, "c", "a", "d"], dtype=object)[pick],
        "flag": np.array([True, False, None, True, np.True_, False, None], dtype=object)[pick],
        "mixed": np.array([1, True, np.float64(0.1 + 0.2), None, np.nan, "1", b"1"],
                          dtype=object)[pick],
        "nothing": np.full(n, None, dtype=object),
        "size": np.array([-0.0, 0.0, np.nan, np.inf, 1e16, 0.1 + 0.2, 5e-324])[pick],
        "random": rng.integers(0, 2**63, n, dtype=np.int64).view(np.float64),
        "count": pick, "code": pd.array(np.array(["1", None, "2", "", "3", "1", "4"],
                                                 dtype=object)[pick], dtype="str"),
        "verdict": ["review"] * n, "nearest_road_m": rng.uniform(size=n),
    }
    geometry = [shapely.box(i, 0, i + 1, 1) for i in range(n)]
    geometry[5] = None
    result = gpd.GeoDataFrame(table, geometry=geometry, crs=3857)
    with np.printoptions(legacy=False):  # texts as numpy writes its numbers by default
        texts = pd.DataFrame({c: result[c].astype(str) for c in table
                              if c not in ("verdict", "nearest_road_m")})
    expected = hashlib.sha256(pd.util.hash_pandas_object(texts, index=False).to_numpy().tobytes())
    wkb = shapely.to_wkb(np.asarray(result.geometry.values, dtype=object))
    expected.update(b"".join(wkb[pd.notna(wkb)].tolist()))
    assert projects_digest(result) == expected.hexdigest()
    with np.printoptions(legacy="1.13"):  # as colour-science sets them when imported
        assert projects_digest(result) == expected.hexdigest()
    with warnings.catch_warnings(), pd.option_context("future.infer_string", False):
        warnings.simplefilter("ignore")  # the option is deprecated, a library may still set it
        assert projects_digest(result) == expected.hexdigest()  # "code" is still of str dtype


def test_report_and_workbook_hash_the_projects_once_and_name_one_id(tmp_path, monkeypatch):
    """One process writing the report and the workbook hashes the projects once (at 100,000
    projects ≈0.7 s each time), and both name the same report ID."""
    from maps import report_meta

    calls = []
    digest = report_meta.projects_digest
    monkeypatch.setattr(report_meta, "projects_digest",
                        lambda result: calls.append(len(result)) or digest(result))
    projects = tmp_path / "projects.geojson"
    gpd.read_file(demo.DEMO_PROJECTS).head(4).to_file(projects, driver="GeoJSON")
    out = tmp_path / "out"
    report_id = _report_id(projects, demo.DEMO_CATALOG, out)
    assert calls == [4]
    about = pd.read_excel(out / "screening.xlsx", sheet_name="about", header=None)
    assert about.astype(str).apply(lambda c: c.str.startswith(report_id)).to_numpy().any()
