"""Site conditions: unstable subsidence, recent landfills, registered contaminated sites — a
limit or a criterion per profile; unknown facts flagged and never good."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box
from siting_fixtures import UTM, X0, Y0, make_region

import geo
from geo.profiles import SiteConditions, load_profile
from geo.site_conditions import site_conditions
from layers.catalog import load_catalog

COND = SiteConditions(unstable_subsidence=0.1, recent_landfill="limit",
                      registered_contaminated=0.3, landfill_min_years_closed=5,
                      assessment_year=2026, unknown_value=0.0)


def test_values_limits_and_flags():
    kinds = ["subsidence_area", "subsidence_area", "subsidence_area", "closed_landfill",
             "closed_landfill", "closed_landfill", "contaminated_site", "contaminated_site",
             "abandoned_mine", "user"]
    facts = [{"stable": True}, {"stable": False}, {"stable": None, "_unknown": {
        "stable": "stable '未知' is not mapped"}}, {"closed_year": 2015}, {"closed_year": 2023},
        {"closed_year": 0}, {"in_risk_register": True}, {"in_risk_register": False}, {}, {}]
    c = site_conditions(kinds, facts, COND)
    assert c["site_condition"].tolist()[:3] == [1.0, 0.1, 0.0]
    assert c.loc[3, "site_condition"] == 1.0                      # closed 11 years ago
    assert np.isnan(c.loc[4, "site_condition"]) and "2023 (3 yr < 5 yr)" in c.loc[4, "condition_limit"]
    # unknown, and a limit when bad: checked by hand, not scored
    assert np.isnan(c.loc[5, "site_condition"]) and c.loc[5, "condition_flag"] == ""
    assert "closed_year unknown — check by hand; if closed fewer than 5 years ago the site is " \
        "excluded" in c.loc[5, "condition_check"]
    assert (c.drop(5)["condition_check"] == "").all()
    assert c.loc[6, "site_condition"] == 0.3 and "risk-control register" in c.loc[6, "condition_flag"]
    assert c.loc[7, "site_condition"] == 1.0 and c.loc[8, "site_condition"] == 1.0
    assert c.loc[9, "site_condition"] == 0.0 and "user polygon" in c.loc[9, "condition_flag"]
    assert "'未知' is not mapped" in c.loc[2, "condition_flag"]
    assert (c.loc[[0, 3, 7, 8], "condition_flag"] == "").all()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("conditions")
    path = make_region(tmp)
    # "maybe" cannot be typed: the fact is unknown (None), whatever the kind's default
    subs = gpd.GeoDataFrame({"id": ["s1", "s2", "s3"], "stable": ["是", "否", "maybe"]}, geometry=[
        box(X0 + 2000, Y0 + 2000, X0 + 3000, Y0 + 2800),
        box(X0 + 3200, Y0 + 2000, X0 + 4200, Y0 + 2800),
        box(X0 + 4400, Y0 + 2000, X0 + 5400, Y0 + 2800)], crs=UTM)
    subs.to_file(tmp / "subsidence.gpkg")
    return load_catalog(path)


def test_wind_sends_unstable_subsidence_to_review(catalog):
    """Wind, as PV, waits for the geohazard risk assessment on unsettled subsidence land
    (《地质灾害防治条例》第二十一条): review, not excluded; settled land is scored."""
    s = geo.score_sites(catalog, "wind").set_index("site_id")
    for sid in ("subsidence:s2", "subsidence:s3"):
        assert s.loc[sid, "status"] == "review" and np.isnan(s.loc[sid, "rank"])
        assert "第二十一条" in s.loc[sid, "reason"]
    assert s.loc["subsidence:s1", "status"] == "usable"


def test_a_limit_excludes_unstable_subsidence(catalog):
    """A profile that makes unstable subsidence a limit (no assessment) excludes it; unknown is
    a check by hand."""
    prof = load_profile(None, "wind")
    prof = prof.model_copy(update={
        "assessment": [a for a in prof.assessment if a.id != "subsidence_unstable"],
        "site_conditions": prof.site_conditions.model_copy(
            update={"unstable_subsidence": "limit"})})
    s = geo.score_sites(catalog, "wind", profile=prof).set_index("site_id")
    assert s.loc["subsidence:s2", "status"] == "excluded"
    assert "not stable" in s.loc["subsidence:s2", "reason"]
    assert s.loc["subsidence:s1", "status"] == "usable"
    # unknown, and excluded when bad: needs a check by hand, not ranked (unknown never passes)
    assert s.loc["subsidence:s3", "status"] == "review"
    assert np.isnan(s.loc["subsidence:s3", "rank"])
    assert "stable" in s.loc["subsidence:s3", "reason"] and "check by hand" in \
        s.loc["subsidence:s3", "reason"]
    assert s.loc["subsidence:s1", "score_site_condition"] > 0


def test_pv_scores_unstable_subsidence_in_the_breakdown(catalog):
    """The site-condition value of unsettled land, as a profile without the subsidence
    assessment scores it (the default sends such a site to review first)."""
    prof = load_profile(None, "pv")
    prof = prof.model_copy(update={"assessment": [
        a for a in prof.assessment if a.id != "subsidence_unstable"]})
    assert geo.score_sites(catalog, "pv").set_index("site_id").loc[
        "subsidence:s2", "status"] == "review"
    s = geo.score_sites(catalog, "pv", profile=prof).set_index("site_id")
    w = s.attrs["siting"]["weights"]["site_condition"]
    assert s.loc["subsidence:s2", "status"] == "usable"
    assert s.loc["subsidence:s2", "site_condition"] == prof.site_conditions.unstable_subsidence
    assert s.loc["subsidence:s1", "score_site_condition"] == pytest.approx(100 * w)
    assert s.loc["subsidence:s2", "score_site_condition"] == pytest.approx(
        100 * w * prof.site_conditions.unstable_subsidence)
    assert s.loc["subsidence:s2", "rank"] > s.loc["subsidence:s1", "rank"]


def test_a_user_polygon_takes_the_facts_of_the_degraded_land_it_lies_on():
    """The user's copy of a landfill closed too recently (a limit here) is excluded as the
    catalog's own is; on a contaminated site it gets that site's value and flag; where a fact is
    unknown and its bad value a limit, a check by hand; touching only, or on no such land, the
    plain ``user`` row. Never better than that row."""
    from geo.site_conditions import user_conditions

    feats = gpd.GeoDataFrame({
        "site_id": ["landfills:L1", "contaminated:C1", "landfills:L2", "mines:M1"],
        "source_kind": ["closed_landfill", "contaminated_site", "closed_landfill",
                        "abandoned_mine"],
        "facts": [{"closed_year": 2024}, {"in_risk_register": True}, {"closed_year": None},
                  {}]},
        geometry=[box(0, 0, 100, 100), box(200, 0, 300, 100), box(400, 0, 500, 100),
                  box(600, 0, 700, 100)], crs=UTM)
    user = [box(10, 10, 150, 90),      # partly on the recent landfill: excluded
            box(250, 0, 350, 100),     # half on the registered contaminated site: 0.3, flagged
            box(400, 0, 500, 100),     # on a landfill of unknown closure: check by hand
            box(100, 0, 180, 100),     # touches the landfill's edge only
            box(600, 0, 700, 100),     # on a mine (no deciding fact): the user row
            box(900, 0, 950, 50),      # on nothing
            box(60, 0, 260, 100)]      # a fifth on the recent landfill: that part is unusable
    c = user_conditions(np.array(user, dtype=object), feats, COND)
    plain = site_conditions(["user"], [{}], COND).iloc[0]
    assert np.isnan(c.loc[0, "site_condition"]) and c.loc[0, "condition_limit"].startswith(
        "on landfills:L1 (0.72 ha)") and "2024 (2 yr < 5 yr)" in c.loc[0, "condition_limit"]
    assert c.loc[1, "site_condition"] == 0.0 and c.loc[1, "condition_limit"] == ""  # min(user 0)
    assert "on contaminated:C1 (0.50 ha)" in c.loc[1, "condition_flag"] and \
        "user polygon" in c.loc[1, "condition_flag"]
    assert np.isnan(c.loc[2, "site_condition"]) and "landfills:L2" in c.loc[2, "condition_check"]
    for i in (3, 4, 5):
        assert c.iloc[i].tolist() == plain.tolist()
    assert np.isnan(c.loc[6, "site_condition"]) and c.loc[6, "condition_limit"] == ""
    assert "on landfills:L1 (0.40 ha)" in c.loc[6, "condition_check"] and \
        "(20.0% of the site): that part cannot be used" in c.loc[6, "condition_check"]


def test_score_excludes_the_users_copy_of_a_registered_contaminated_site(tmp_path):
    """Review 20: a user polygon drawn on the demo's registered contaminated site C01 was ranked
    #3; the catalog's own copy of that land is excluded, and so is the user's now."""
    from click.testing import CliRunner

    from layers.demo import DEMO_CATALOG
    from maps.cli import cli

    cat = load_catalog(DEMO_CATALOG)
    c01 = cat.read("contaminated_sites", cat.working_crs).gdf
    c01 = c01[c01["id"].astype(str) == "C01"]
    f = tmp_path / "mine.geojson"
    gpd.GeoDataFrame({"site_id": ["R1"], "name": ["on C01"]}, geometry=c01.geometry.values,
                     crs=c01.crs).to_crs("EPSG:4326").to_file(f)
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["score", "--demo", "--tech", "pv", "--candidates", str(f),
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    import pandas as pd

    site = pd.read_csv(out / "sites.csv").iloc[0]
    assert site["status"] == "excluded" and site["usable_area_ha"] == 0
    assert "on contaminated_sites:C01" in site["reason"] and "risk-control register" in \
        site["reason"]
