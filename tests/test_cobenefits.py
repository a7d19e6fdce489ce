"""Co-benefit factors and the grid region of a place (MEE/NBS 2023 regional grids)."""

from __future__ import annotations

import pytest

from geo import cobenefits as cb
from layers.errors import InputError


def test_cobenefits_factors_side_by_side():
    c = cb.cobenefits([1000.0], "national").iloc[0]
    assert c["co2_t"] == pytest.approx(530.6) == c["co2_national_t"]
    assert c["co2_fossil_t"] == pytest.approx(827.3)
    assert c["coal_tce"] == pytest.approx(300.0)       # 1e6 kWh × 300 g = 300 t
    assert c["so2_kg"] == pytest.approx(110.0)
    s = cb.cobenefits([1000.0, 2000.0], [0.4042, 0.2472])
    assert s["co2_t"].tolist() == pytest.approx([404.2, 494.4])
    assert s["co2_national_t"].tolist() == pytest.approx([530.6, 1061.2])
    assert {"north", "northeast", "east", "central", "northwest", "south"} <= set(cb.grid_regions())
    with pytest.raises(InputError, match="unknown grid region"):
        cb.cobenefits([1.0], "mars")


@pytest.mark.parametrize("province, code, region", [
    ("52", "520102", "south"), ("51", "510100", "southwest"), ("11", "110101", "north"),
    ("36", "360100", "central"), ("65", "650100", "northwest"), ("35", "350100", "east"),
    ("23", "230100", "northeast"),
    ("15", "150102", "north"),          # Hohhot: 蒙西
    ("15", "150402", "northeast"),      # Chifeng: 蒙东
])
def test_grid_region_of_province(province, code, region):
    assert cb.grid_region_of(province, code) == (region, "")


def test_every_mainland_province_has_a_grid():
    from layers.regions import provinces

    for code in provinces():
        if code in ("71", "81", "82"):
            continue
        region, why = cb.grid_region_of(code, code + "0100")
        assert region in cb.grid_regions(), (code, why)


def test_unknown_place_falls_back_to_national_with_a_note():
    f = cb.grid_factors(["52", "", "15", "81"], ["520102", "", "15", "810000"])
    assert f["grid_region"].tolist() == ["south", "national", "national", "national"]
    assert f["grid_co2_t_per_mwh"].tolist() == [0.4042, 0.5306, 0.5306, 0.5306]
    assert f.loc[0, "grid_factor_note"] == ""
    assert "province unknown" in f.loc[1, "grid_factor_note"]
    assert "split between grids" in f.loc[2, "grid_factor_note"]
    assert "no regional grid entry" in f.loc[3, "grid_factor_note"]


def test_override_and_provincial_factor(monkeypatch):
    f = cb.grid_factors(["52", ""], ["520102", ""], override="southwest")
    assert f["grid_region"].tolist() == ["southwest", "southwest"]
    with pytest.raises(InputError):
        cb.grid_factors(["52"], ["520102"], override="mars")
    table = dict(cb.emission_factors())
    table["grid_co2_province_t_per_mwh"] = {"52": 0.45}
    monkeypatch.setattr(cb, "emission_factors", lambda: table)
    f = cb.grid_factors(["52", "53"], ["520102", "530102"])
    assert f["grid_region"].tolist() == ["province:52", "south"]
    assert f["grid_co2_t_per_mwh"].tolist() == [0.45, 0.4042]
