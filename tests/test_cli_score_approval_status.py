"""``siting score``'s approval warning says "still ranked" only of the sites that are ranked.

The approval stage flags usable land on forest or cultivated land in every ``usable`` or
``review`` site; a ``review`` site (no DEM, an assessment due) is not ranked, so the warning
names it apart ("under review for another check, not ranked"). Checked against the statuses and
ranks written in ``sites.csv``: the demo for wind (one site in review on both kinds of land) and
the demo catalog without its DEM for PV (every flagged site in review).
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from layers.demo import DEMO_CATALOG
from maps.cli import cli

RANKED = re.compile(r"(\d+) still ranked \(([^)]*)\)")
REVIEW = re.compile(r"(\d+) under review for another check, not ranked \(([^)]*)\)")


def _score(where, tech, out):
    r = CliRunner().invoke(cli, ["score", *where, "--tech", tech, "--out", str(out),
                                 "--lang", "en"])
    assert r.exit_code == 0, r.output
    sites = pd.read_csv(out / "sites.csv", encoding="utf-8-sig").set_index("site_id")
    lines = [ln for ln in r.output.splitlines() if ln.startswith("warning:") and " use " in ln
             and ("forest land" in ln or "cultivated land" in ln)]
    assert len(lines) == 1, r.output
    return sites, lines[0]


def _no_dem_catalog(tmp):
    """The demo catalog copied into ``tmp`` without its ``dem`` raster (as in
    ``test_cli_score_nodem``)."""
    folder = shutil.copytree(DEMO_CATALOG.parent, tmp / "catalog_nodem",
                             ignore=shutil.ignore_patterns("dem.tif"))
    text = (folder / "catalog.toml").read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[\[)", text)
    kept = [b for b in blocks if not re.search(r'(?m)^kind = "dem"$', b)]
    assert len(kept) == len(blocks) - 1
    (folder / "catalog.toml").write_text("".join(kept), encoding="utf-8")
    return folder / "catalog.toml"


def _ids(text):
    return [s for s in text.replace(" …", "").split(", ") if s]


@pytest.fixture(scope="module")
def wind(tmp_path_factory):
    return _score(["--demo"], "wind", tmp_path_factory.mktemp("approval_wind"))


@pytest.fixture(scope="module")
def pv_nodem(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("approval_nodem")
    return _score(["--catalog", str(_no_dem_catalog(tmp))], "pv", tmp / "out")


def test_the_sites_said_still_ranked_are_ranked_and_the_others_are_said_not_ranked(wind):
    sites, line = wind
    ranked = [i for m in RANKED.finditer(line) for i in _ids(m.group(2))]
    review = [i for m in REVIEW.finditer(line) for i in _ids(m.group(2))]
    assert ranked and review, line
    assert (sites.loc[ranked, "status"] == "usable").all() and sites.loc[ranked, "rank"].gt(0).all()
    assert (sites.loc[review, "status"] == "review").all(), sites.loc[review, "status"]
    assert sites.loc[review, "rank"].isna().all()
    flagged = sites[sites["notes"].fillna("").str.contains("of the usable land is forest land")]
    n = int(re.search(r"(\d+) site\(s\) use forest land", line).group(1))
    assert n == len(flagged)  # every flagged site is counted, ranked or not


def test_without_a_dem_no_site_is_said_still_ranked(pv_nodem):
    sites, line = pv_nodem
    assert "still ranked" not in line and "仍排名" not in line, line
    m = REVIEW.search(line)
    assert m, line
    named = _ids(m.group(2))
    flagged = sites[sites["notes"].fillna("").str.contains("of the usable land is forest land")]
    assert int(m.group(1)) == len(flagged) > 0
    assert set(named) <= set(flagged.index)
    assert (flagged["status"] == "review").all() and flagged["rank"].isna().all()
    assert "once cleared: only as forest-PV" in line and "核查通过后仅可林光互补" in line
