"""``siting score`` does not pass what it did not check: land outside the catalog's coverage is
not usable land, and a missing exclusion layer is said on the terminal, at the top of the report,
in the parameters table and on every site (review 19, findings 1 and 3)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from click.testing import CliRunner
from shapely.geometry import box
from siting_fixtures import make_region

from maps.cli import cli

STRADDLE = {  # 1.2 km squares on the demo region's boundary (lon/lat)
    "S1": (107.196142, 27.325185, 107.208268, 27.336014),  # its land inside is red line/forest
    "S2": (106.188410, 26.535320, 106.200452, 26.546151),  # ~61 % outside
}


def _run(args):
    return CliRunner().invoke(cli, ["score", *args])


def test_land_outside_the_coverage_is_not_usable(tmp_path):
    f = tmp_path / "straddle.geojson"
    gpd.GeoDataFrame({"site_id": list(STRADDLE)}, geometry=[box(*b) for b in STRADDLE.values()],
                     crs="EPSG:4326").to_file(f)
    out = tmp_path / "o"
    r = _run(["--demo", "--tech", "pv", "--candidates", str(f), "--out", str(out),
              "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "outside the catalog's coverage" in r.output               # said on the terminal
    csv = pd.read_csv(out / "sites.csv").set_index("site_id")
    for sid in ("user:S1", "user:S2"):
        row = csv.loc[sid]
        assert row["outside_coverage_ha"] > 10
        assert "outside the catalog's coverage" in row["reason"] and "% of the candidate" in (
            row["reason"])
        assert row["excluded_unknown_ha"] >= row["outside_coverage_ha"] - 1e-6
        assert row["usable_area_ha"] <= row["candidate_area_ha"] - row["outside_coverage_ha"] + 1e-6
    # S1: all of its land inside the region is excluded, what is left lies outside: not usable
    assert csv.loc["user:S1", "status"] != "usable" and pd.isna(csv.loc["user:S1", "rank"])
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "outside the catalog&#39;s coverage" in report or "outside the catalog's" in report


def test_a_missing_exclusion_layer_is_said_everywhere(tmp_path):
    cat = make_region(tmp_path / "region", legal=True)
    text = cat.read_text(encoding="utf-8")
    cat.write_text("[[layer]]".join(b for b in text.split("[[layer]]")
                                    if 'kind = "ecological_red_line"' not in b),
                   encoding="utf-8")
    out = tmp_path / "o"
    r = _run(["--catalog", str(cat), "--tech", "pv", "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    warning = [line for line in r.output.splitlines() if line.startswith("warning:")
               and "ecological_red_line" in line]
    assert warning and "NOT applied" in warning[0]
    csv = pd.read_csv(out / "sites.csv")
    live = csv[csv["status"] != "error"]
    flags = live["notes"].str.extract(r"(not checked against: [^(]*)\(layer not provided")[0]
    assert len(live) and flags.str.contains("ecological_red_line").all()
    assert not flags.str.contains("basic_farmland").any()              # that layer was there
    xlsx = pd.read_excel(out / "sites.xlsx")
    assert xlsx["notes"].str.contains("not checked against: ecological_red_line",
                                      regex=False).sum() == len(live)
    report = (out / "report.html").read_text(encoding="utf-8")
    top = report.index('id="not-checked-notice"')
    assert top < report.index('id="summary"')                        # at the top of the page
    params = report[report.index('id="parameters-table"'):]
    params = params[:params.index("</table>")]
    assert "Not applied: layer not provided</th><td>Ecological protection red line" in params
    assert "Excluded</th><td>Permanent basic farmland" in params
