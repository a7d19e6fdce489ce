"""What a planner checks in ``siting score``'s outputs (review 22): the grid CO2 factor used,
per region, multiplies out to the stated CO2; turbine positions are written and drawn; each
parameter states its source or [assumption] tag; the LCOE says what it covers."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from siting_fixtures import make_region

from maps.cli import cli


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return make_region(tmp_path_factory.mktemp("planner-region"))


@pytest.fixture(scope="module")
def wind(catalog, tmp_path_factory):
    out = tmp_path_factory.mktemp("planner") / "wind"
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "wind",
                                 "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    return out


def _row(html: str, needle: str) -> str:
    i = html.index(needle)
    return html[html.rindex("<tr", 0, i):html.index("</tr>", i)]


def test_grid_factor_used_is_stated_per_region_and_multiplies_out(wind):
    sites = pd.read_csv(wind / "sites.csv")
    usable = sites[sites["status"] == "usable"]
    html = (wind / "report.html").read_text(encoding="utf-8")
    for (_region, factor), g in usable.groupby(["grid_region", "grid_co2_t_per_mwh"]):
        row = _row(html, f"{factor:g} t/MWh ×")
        gen, co2 = g["generation_mwh"].sum(), g["co2_t"].sum()
        assert f"{gen:,.0f} MWh/yr = {co2:,.0f} t/yr ({len(g)} usable site" in row
        assert "2023" in row and "MEE-NBS" in row
        stated = re.search(r"([\d.]+) t/MWh × ([\d,]+) MWh/yr = ([\d,]+) t/yr", row)
        f, e, c = (float(x.replace(",", "")) for x in stated.groups())
        assert f * e == pytest.approx(c, rel=1e-3)  # a reader's multiplication gives the total
    assert "national 0.5306 · national_fossil" not in html


def test_terminal_states_the_factor_used(catalog, tmp_path):
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                 "--out", str(tmp_path / "o"), "--lang", "en"])
    assert r.exit_code == 0, r.output
    sites = pd.read_csv(tmp_path / "o" / "sites.csv")
    usable = sites[sites["status"] == "usable"]
    factor = usable["grid_co2_t_per_mwh"].iloc[0]
    assert "grid CO2 factor: " in r.output and f"{factor:g} t/MWh × " in r.output


def test_turbines_written_listed_and_drawn(wind, catalog, tmp_path):
    sites = pd.read_csv(wind / "sites.csv")
    turbines = gpd.read_file(wind / "turbines.geojson")
    placed = sites[sites["turbines"] > 0]
    assert len(turbines) == int(placed["turbines"].sum()) > 0
    assert turbines.crs.to_epsg() == 4326
    assert {"site_id", "turbine", "model", "hub_height_m", "rotor_diameter_m",
            "capacity_mw"} <= set(turbines.columns)
    counts = turbines.groupby("site_id")["turbine"].max()
    assert counts.to_dict() == placed.set_index("site_id")["turbines"].astype(int).to_dict()
    assert "turbines.geojson" in json.loads((wind / ".siting-manifest.json").read_text())["files"]
    page = (wind / "map.html").read_text(encoding="utf-8")
    assert "Turbine positions (circle = rotor swept area, shown when zoomed in)" in page
    assert "L.circle(" in page and '"radius": 76.0' in page
    assert "LCOE incl. grid connection [CNY/MWh]" in page and "Turbines" in page  # site popups
    out = tmp_path / "pv"
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                 "--out", str(out)])
    assert r.exit_code == 0 and not (out / "turbines.geojson").exists()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_parameters_carry_their_sources_and_the_lcoe_its_scope(catalog, tmp_path, lang):
    out = tmp_path / lang
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "wind",
                                 "--out", str(out), "--lang", lang])
    assert r.exit_code == 0, r.output
    html = (out / "report.html").read_text(encoding="utf-8")
    html = html[html.index('id="parameters-table"'):]
    tag = "[assumption]" if lang == "en" else "[假设]"
    for label in (("capex", "fixed O&amp;M", "discount rate (real)", "wake losses")
                  if lang == "en" else ("单位投资", "年固定运维", "折现率（实际）", "尾流损失")):
        assert tag in _row(html, f"<th>{label}</th>"), label
    setback = _row(html, "× tip height" if lang == "en" else "× 叶尖高度")
    assert tag in setback
    scope = ("Left out: land lease and compensation, taxes" if lang == "en"
             else "不含：土地租金与征地补偿、税费")
    assert scope in html
    assert 'id="connection-table"' in html and "1,200,000" in html
    arbor = _row(html, "国家级公益林" if lang == "zh" else ": national")  # a filter's values
    assert ("乔木林" in arbor and "arbor" not in arbor) if lang == "zh" else "arbor" in arbor


def test_pv_capacity_factor_filled_on_the_dc_rating(catalog, tmp_path):
    """Review 22 P3/P4: PV's capacity_factor was blank; the report's header said
    'Capacity (DC, MWp) [MW]'."""
    out = tmp_path / "pv"
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                 "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    sites = pd.read_csv(out / "sites.csv")
    usable = sites[sites["status"] == "usable"]
    assert len(usable) and usable["capacity_factor"].notna().all()
    assert (usable["capacity_mw"] * usable["capacity_factor"] * 8760).to_numpy() == pytest.approx(
        usable["generation_mwh"].to_numpy())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Capacity (DC) [MWp]" in html and "[MW]</th>" not in _row(html, "Capacity (DC)")
