"""What the terminal says of a prepared layer's problems when screening from a prepared catalog.

``siting prepare`` prints a layer's problems once; a screening from the prepared catalog prints
only what it finds anew (a source changed since ...) and one line counting the others, which the
report's data-quality table lists: none is printed for one problem and silently left out for
another (review 29 MEDIUM 2: an empty geometry was printed, a null one and a repair were not).
"""

from __future__ import annotations

import json
import re

import pytest
from _screen_helpers import copied_demo
from click.testing import CliRunner

from layers import demo
from maps.cli import cli

BAD = [("BAD1", {"type": "Polygon", "coordinates": [[[106.60, 26.50], [106.61, 26.51],
                                                     [106.61, 26.50], [106.60, 26.51],
                                                     [106.60, 26.50]]]}),  # a bow tie
       ("BAD2", {"type": "Polygon", "coordinates": []}),  # empty
       ("BAD3", None)]  # no geometry


def _bad_catalog(tmp_path):
    """The demo catalog (no rasters) whose red lines hold three bad features."""
    copied_demo(tmp_path)
    red = json.loads((tmp_path / "red_lines.geojson").read_text(encoding="utf-8"))
    template = red["features"][0]["properties"]
    red["features"] += [{"type": "Feature", "geometry": geometry,
                         "properties": {**template, "id": fid, "name": fid}}
                        for fid, geometry in BAD]
    (tmp_path / "red_lines.geojson").write_text(json.dumps(red, ensure_ascii=False),
                                                encoding="utf-8")
    return tmp_path / "catalog.toml"


def _group(output: str, name: str) -> list[str]:
    """The lines printed under the group whose heading names ``name``."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if name in line and line.endswith(":"))
    group = []
    for line in lines[start + 1:]:
        if not line.startswith("  "):
            break
        group.append(line)
    return group


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_screening_from_a_prepared_catalog_counts_what_prepare_found(tmp_path):
    catalog = _bad_catalog(tmp_path)
    run = CliRunner().invoke
    res = run(cli, ["prepare", str(catalog), "--out", str(tmp_path / "prep"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    for fid, _ in BAD:
        assert f"feature {fid}" in res.output
    recorded = json.loads((tmp_path / "prep" / "red_lines.layer.json").read_text(
        encoding="utf-8"))["problems"]
    assert len(recorded) >= len(BAD)

    prepared = tmp_path / "prep" / "catalog.toml"
    for lang, said in (("en", rf"note: {len(recorded)} problems \(\d+ errors?, .*\) of this "
                              "prepared layer were found by siting prepare"),
                       ("zh", rf"说明：本图层有 {len(recorded)} 个问题（错误 \d+.*）已由 siting "
                              "prepare 发现")):
        res = run(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog", str(prepared),
                        "--out", str(tmp_path / f"o_{lang}"), "--lang", lang])
        assert res.exit_code == 0, res.output
        group = _group(res.output, "layer 'red_lines'")
        assert any(re.search(said, line) for line in group), res.output
        assert not any(fid in line for line in group for fid, _ in BAD), group  # not one of 3
        html = (tmp_path / f"o_{lang}" / "report.html").read_text(encoding="utf-8")
        assert all(fid in html for fid, _ in BAD)  # where the line sends the reader

    # screening the source catalog prints them all, as prepare did
    res = run(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog", str(catalog),
                    "--out", str(tmp_path / "o_src"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert all(f"feature {fid}" in res.output for fid, _ in BAD)
    assert "found by siting prepare" not in res.output
