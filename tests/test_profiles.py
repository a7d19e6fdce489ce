"""Siting profiles: defaults load, unknown keys and bad matrices are refused naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.profiles import load_profile
from layers.errors import InputError, ProfileError


@pytest.mark.parametrize("tech", ["pv", "wind"])
def test_default_profiles_load(tech):
    p = load_profile(None, tech)
    w, cr = p.weights()
    assert p.tech == tech
    assert abs(sum(w.values()) - 1) < 1e-12 and cr is None
    assert p.exclusion and all(e.id for e in p.exclusion)


def _write(tmp_path, text):
    f = tmp_path / "p.toml"
    f.write_text(text, encoding="utf-8")
    return f


BASE = """tech = "pv"
[criteria.ghi]
points = [[1000, 0], [1800, 1]]
weight = 1
"""


def test_unknown_key_names_file_and_key(tmp_path):
    f = _write(tmp_path, "colour = 3\n" + BASE)
    with pytest.raises(ProfileError) as exc:
        load_profile(f, "pv")
    assert str(f) in str(exc.value) and "'colour'" in str(exc.value)
    assert isinstance(exc.value, InputError)


def test_unknown_nested_key(tmp_path):
    f = _write(tmp_path, BASE + "[energy]\nturbine_hight = 3\n")
    with pytest.raises(ProfileError, match="energy.turbine_hight"):
        load_profile(f, "pv")


def test_unknown_criterion_and_kind(tmp_path):
    with pytest.raises(ProfileError, match="unknown criterion 'sunshine'"):
        load_profile(_write(tmp_path, BASE + "[criteria.sunshine]\npoints=[[0,0],[1,1]]\n"
                            "weight=1\n"), "pv")
    with pytest.raises(ProfileError, match="unknown layer kind 'forest'"):
        load_profile(_write(tmp_path, BASE + "[[exclusion]]\nkind='forest'\n"), "pv")


def test_points_must_increase(tmp_path):
    with pytest.raises(ProfileError, match="increase"):
        load_profile(_write(tmp_path, 'tech="pv"\n[criteria.ghi]\npoints=[[5,0],[1,1]]\n'
                            "weight=1\n"), "pv")


def test_tech_mismatch(tmp_path):
    with pytest.raises(ProfileError, match="profile is for 'pv'"):
        load_profile(_write(tmp_path, BASE), "wind")


AHP = """tech = "pv"
[criteria.ghi]
points = [[1000, 0], [1800, 1]]
[criteria.dist_road]
points = [[0, 1], [10, 0]]
[criteria.land_type]
points = [[0, 0], [1, 1]]
[ahp]
criteria = ["ghi", "dist_road", "land_type"]
"""


def test_ahp_weights_from_profile(tmp_path):
    p = load_profile(_write(tmp_path, AHP + "matrix = [[1, 3, 5], [0.3333333, 1, 3], "
                            "[0.2, 0.3333333, 1]]\n"), "pv")
    w, cr = p.weights()
    assert w["ghi"] > w["dist_road"] > w["land_type"]
    assert 0 < cr < 0.1


@pytest.mark.parametrize("matrix, match", [
    ("[[1, 3], [0.333, 1]]", "square"),
    ("[[1, 3, -5], [0.3333333, 1, 3], [-0.2, 0.3333333, 1]]", "positive"),
    ("[[1, 3, 5], [3, 1, 3], [0.2, 0.3333333, 1]]", "not reciprocal"),
    ("[[1, 9, 0.2], [0.1111111, 1, 9], [5, 0.1111111, 1]]", r"CR = \d"),
])
def test_bad_ahp_matrix(tmp_path, matrix, match):
    f = _write(tmp_path, AHP + f"matrix = {matrix}\n")
    with pytest.raises(ProfileError, match=match) as exc:
        load_profile(f, "pv")
    assert str(f) in str(exc.value)


@pytest.mark.parametrize("extra, match", [
    ("[[exclusion]]\nkind='forest_land'\nwhere={forest_type=['arbor']}\n"
     "[[exclusion]]\nkind='forest_land'\nwhere={forest_type=['bamboo']}\n", "not unique"),
    ("[[exclusion]]\nkind='road'\nsetback_tip_heights=1.5\n", "needs a turbine"),
    ("[[exclusion]]\nkind='forest_land'\nwhere={forest_type=['pine']}\n", "pine"),
    ("[[exclusion]]\nkind='forest_land'\nwhere={colour=['green']}\n", "colour"),
    ("[criteria.lcoe_cny_mwh]\npoints=[[200,1],[600,0]]\nweight=1\n", "needs a \\[cost\\]"),
    ("[site_conditions]\nunstable_subsidence=2\n", "limit"),
])
def test_new_keys_validated(tmp_path, extra, match):
    with pytest.raises(ProfileError, match=match):
        load_profile(_write(tmp_path, BASE + extra), "pv")


def test_density_penalty_only_for_pv(tmp_path):
    text = BASE.replace('"pv"', '"wind"').replace("ghi", "wind_speed") + (
        "[[density_penalty]]\nkind='forest_land'\nwhere={forest_type=['shrub']}\nfactor=0.7\n")
    with pytest.raises(ProfileError, match="density_penalty applies to pv"):
        load_profile(_write(tmp_path, text), "wind")


def test_setback_scales_with_tip_height():
    wind = load_profile(None, "wind")
    rule = next(r for r in wind.exclusion if r.id == "road_setback")   # 1.5 × tip height
    assert rule.setback_m(200.0) == pytest.approx(300.0)
    assert rule.setback_m(250.0) > rule.setback_m(200.0)


def test_lcoe_as_a_criterion(tmp_path):
    """LCOE can be a criterion of the score: cheaper sites score higher on it."""
    import numpy as np
    from siting_fixtures import make_region

    import geo
    from layers.catalog import load_catalog

    text = (Path(__file__).parents[1] / "geo" / "profiles" / "pv.toml").read_text("utf-8")
    text = text.replace("[land_type]", "[criteria.lcoe_cny_mwh]\npoints = [[300, 1.0], [700, 0.0]]"
                        "\nweight = 0.2\nuncertainty = 20\n\n[land_type]")
    prof = load_profile(_write(tmp_path, text), "pv")
    sites = geo.score_sites(load_catalog(make_region(tmp_path / "r")), "pv", profile=prof)
    ok = sites[sites["status"] == "usable"]
    assert "score_lcoe_cny_mwh" in sites.columns and len(ok) >= 2
    v = ok["score_lcoe_cny_mwh"].to_numpy()
    order = np.argsort(ok["lcoe_cny_mwh"].to_numpy())
    assert np.all(np.diff(v[order]) <= 1e-9)


def test_profile_in_gbk_is_told_to_be_saved_as_utf8(tmp_path):
    """Issue 8: a hand-edited profile saved as GBK is named as such, not as 'not valid TOML'."""
    from geo.profiles import load_profile
    from layers.errors import ProfileError

    f = tmp_path / "pv_local.toml"
    f.write_bytes('tech = "pv"\nname = "本地光伏"\n'.encode("gbk"))
    with pytest.raises(ProfileError, match="UTF-8"):
        load_profile(f, "pv")
    with pytest.raises(ProfileError, match="is a folder"):
        load_profile(tmp_path, "pv")


def test_wind_setbacks_equal_the_rules_that_check_and_screen_apply():
    """Review 23 F11: land 500–502.5 m from a village was excluded by ``score`` (2.5 × tip
    height) and passed by ``check``/``screen`` (500 m). The default wind profile's settlement and
    road setbacks are the distances of the national rules, so the commands agree."""
    from geo.energy import tip_height_m
    from geo.rules import load_rules

    profile = load_profile(None, "wind")
    rules = {r.id: r for r in load_rules("national").rules}
    ex = {e.id: e for e in profile.exclusion}
    tip = tip_height_m(profile.energy)
    for ex_id, rule_id in (("settlement_setback", "wind_setback_settlement"),
                           ("road_setback", "wind_road_setback")):
        e = ex[ex_id]
        setback = e.buffer_m or (e.setback_tip_heights or 0) * tip
        assert setback == pytest.approx(rules[rule_id].distance_m, abs=0.05), ex_id
