"""A layer's stated positional accuracy never turns a real overlap into a pass (new-user review
30, HIGH 3). The tolerance of a pair is the larger of the rule's own (1 m²) and accuracy × the
length of the layer's boundary inside the footprint: with ``accuracy_m = 150`` on the red lines,
demo project P23 as infrastructure, 7.07 ha (35 %) in a red line, was "boundary contact only"
and admitted. An overlap beyond the rule's tolerance but within the layer's uncertainty is now
undetermined (review, check ``unknown``) with the numbers; the real command runs on a copy of the
demo catalog."""

from __future__ import annotations

import json
import shutil

import pandas as pd
from click.testing import CliRunner

from layers.demo import DEMO_CATALOG
from maps.cli import cli


def _catalog(tmp, accuracy: float):
    folder = shutil.copytree(DEMO_CATALOG.parent, tmp / f"cat{accuracy:g}")
    path = folder / "catalog.toml"
    text = path.read_text(encoding="utf-8")
    head = 'id = "red_lines"\nkind = "ecological_red_line"\n'
    assert text.count(head) == 1
    path.write_text(text.replace(head, head + f"accuracy_m = {accuracy:g}\n"), encoding="utf-8")
    return path


def _p23(tmp):
    demo = json.loads((DEMO_CATALOG.parent / "projects.geojson").read_text(encoding="utf-8"))
    p23 = next(f for f in demo["features"] if f["properties"]["project_id"] == "P23")
    p23["properties"]["type"] = "infrastructure"
    path = tmp / "p23.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [p23]}),
                    encoding="utf-8")
    return path


def test_an_overlap_the_layers_accuracy_cannot_exclude_is_review(tmp_path):
    p23 = _p23(tmp_path)
    runner = CliRunner()
    sure = runner.invoke(cli, ["check", "--geojson", str(p23), "--catalog",
                               str(_catalog(tmp_path, 5)), "--lang", "en"])
    assert sure.exit_code == 0, sure.output
    assert "Prohibited" in sure.output
    loose = _catalog(tmp_path, 150)
    doubt = runner.invoke(cli, ["screen", str(p23), "--catalog", str(loose),
                                "--out", str(tmp_path / "o"), "--lang", "en"])
    assert doubt.exit_code == 0, doubt.output
    result = pd.read_csv(tmp_path / "o" / "screening.csv")
    assert result["verdict"].tolist() == ["review"]
    hits = pd.read_csv(tmp_path / "o" / "screening_hits.csv")
    red = hits[hits["rule_id"] == "red_line"]
    assert red["check"].tolist() == ["unknown"] and red["outcome"].tolist() == ["review"]
    assert red["overlap_m2"].iloc[0] > 70_000
    message = red["message"].iloc[0]
    assert "positional uncertainty (accuracy 150 m" in message and "verify the boundary" in message
    zh = runner.invoke(cli, ["check", "--geojson", str(p23), "--catalog", str(loose),
                             "--lang", "zh"])
    assert zh.exit_code == 0, zh.output
    assert "需论证" in zh.output and "在图层定位误差范围内（精度 150 m" in zh.output


def test_an_implausibly_coarse_accuracy_is_warned_where_the_layers_are_shown(tmp_path):
    """``accuracy_m = 5000`` typed for 5 softens prohibited to review without a word: the layer
    listing and the screening report warn; a plausible 5 m does not."""
    runner = CliRunner()
    coarse, fine = _catalog(tmp_path, 5000), _catalog(tmp_path, 5)
    listed = runner.invoke(cli, ["layers", str(coarse), "--lang", "en"])
    assert listed.exit_code == 0, listed.output
    assert "accuracy_m = 5000 m is coarser than 100 m" in listed.output
    assert "粗于 100 米" in runner.invoke(cli, ["layers", str(coarse), "--lang", "zh"]).output
    assert "coarser than" not in runner.invoke(cli, ["layers", str(fine), "--lang", "en"]).output
    p23 = _p23(tmp_path)
    for catalog, out in ((coarse, "c"), (fine, "f")):
        run = runner.invoke(cli, ["screen", str(p23), "--catalog", str(catalog),
                                  "--out", str(tmp_path / out), "--lang", "en"])
        assert run.exit_code == 0, run.output
    report = (tmp_path / "c" / "report.html").read_text(encoding="utf-8")
    assert "accuracy_m = 5000 m is coarser than 100 m" in report
    assert "coarser than" not in (tmp_path / "f" / "report.html").read_text(encoding="utf-8")
