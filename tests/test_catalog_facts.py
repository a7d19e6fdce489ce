"""Three-valued facts: unknown is None with a reason, never a permissive default (issue 8, C1)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers.catalog import load_catalog
from layers.errors import CatalogError
from layers.kinds import get_kind, layer_kinds

# The facts of C1 on the existing kinds (river is the rules branch's, C2).
C1_FACTS = {
    "control_unit": ["unit_type", "prohibited_industries", "park_only_industries"],
    "nature_reserve": ["zone"], "water_source": ["grade"],
    "industrial_park": ["admitted_industries", "prohibited_industries", "planning_eia"],
    "subsidence_area": ["stable"], "closed_landfill": ["closed_year"],
    "contaminated_site": ["in_risk_register"], "substation": ["voltage_kv"],
    "slag_heap": ["material"], "admin_boundary": ["admin_code"],
}
NEW_KINDS = ("cultivated_land", "forest_land", "grassland", "protected_area",
             "shoreline_control_zone", "geohazard_zone")


def test_no_fact_has_a_permissive_default():
    for kind, facts in C1_FACTS.items():
        for name in facts:
            assert get_kind(kind).attributes[name].fact, (kind, name)
    for kind in NEW_KINDS:
        attrs = get_kind(kind).attributes
        assert all(attrs[a].fact for a in attrs if a not in ("id", "name")), kind
    assert not get_kind("key_air_region").attributes["region"].fact  # descriptive
    for kind in layer_kinds().values():
        assert kind.geometries and isinstance(kind.geometries, tuple)


@pytest.fixture
def folder(tmp_path):
    boxes = [shapely.box(106.6 + 0.01 * i, 26.5, 106.605 + 0.01 * i, 26.505) for i in range(4)]
    gpd.GeoDataFrame({"名称": ["甲", "乙", "丙", "丁"], "分区": ["核心区", "", "实验区", "core"],
                      "年份": ["2019", "2019.5", None, "2020.0"]},
                     geometry=boxes, crs=4490).to_file(tmp_path / "nr.geojson")
    gpd.GeoDataFrame({"admitted_industries": ["chemical", "", None],
                      "planning_eia": ["是", "unknown", "否"]},
                     geometry=boxes[:3], crs=4490).to_file(tmp_path / "parks.gpkg")
    return tmp_path


def _catalog(folder, body):
    path = folder / "catalog.toml"
    path.write_text(body, encoding="utf-8")
    return load_catalog(path)


RESERVES = ('[[layer]]\nid = "nr"\nkind = "nature_reserve"\npath = "nr.geojson"\n'
            'columns = { name = "名称", zone = "分区" }\nvalues = { zone = { "核心区" = "core" } }\n')


def test_unknown_facts_and_their_reasons(folder):
    data = _catalog(folder, RESERVES).read("nr")
    assert data.usable
    assert list(data.gdf["zone"]) == ["core", None, None, "core"]
    assert [sorted(u) for u in data.gdf["_unknown"]] == [[], ["zone"], ["zone"], []]
    assert data.gdf["_unknown"].iloc[1]["zone"] == "zone is blank"
    assert data.gdf["_unknown"].iloc[2]["zone"].startswith(
        "zone '实验区' is not mapped (expected core, buffer, experimental, core_protection, general_control): map it in the catalog's "
        "values = { zone = { \"实验区\" = ")
    codes = {(p.code, p.feature, p.severity) for p in data.problems}
    assert ("bad_value", "3", "warning") in codes and ("blank_value", None, "warning") in codes
    assert not any(p.severity == "error" for p in data.problems)


def test_list_facts_blank_is_none_listed_missing_column_is_unknown(folder):
    parks = _catalog(folder, '[[layer]]\nid = "p"\nkind = "industrial_park"\npath = '
                             '"parks.gpkg"\n').read("p").gdf
    assert list(parks["admitted_industries"]) == [["chemical"], [], []]
    assert list(parks["prohibited_industries"]) == [None, None, None]
    assert list(parks["planning_eia"]) == [True, None, False]
    assert "prohibited_industries" in parks["_unknown"].iloc[0]
    assert "admitted_industries" not in parks["_unknown"].iloc[1]
    assert parks["_unknown"].iloc[1]["planning_eia"].startswith(
        "planning_eia 'unknown' cannot be read as bool")
    assert list(parks["level"]) == ["other"] * 3  # descriptive: its default


def test_stated_defaults_are_typed_used_and_kept(folder):
    cat = _catalog(folder, RESERVES + 'defaults = { zone = "core" }\n\n[[layer]]\nid = "p"\n'
                   'kind = "industrial_park"\npath = "parks.gpkg"\n'
                   'defaults = { prohibited_industries = [], planning_eia = true }\n')
    nr = cat.read("nr")
    assert list(nr.gdf["zone"]) == ["core", "core", None, "core"]  # blank → stated; unmapped stays
    assert cat.spec("nr").defaults == {"zone": "core"}
    parks = cat.read("p").gdf
    assert list(parks["prohibited_industries"]) == [[], [], []]
    assert list(parks["planning_eia"]) == [True, None, False]  # stated only where blank/absent
    assert cat.spec("p").defaults == {"prohibited_industries": [], "planning_eia": True}
    assert not [p for p in cat.read("p").problems if p.code == "missing_attribute"]


@pytest.mark.parametrize("extra,expected", [
    ('defaults = { zone = "general_zone" }',
     "layer 'nr', key 'defaults.zone': 'general_zone': unknown zone value"),
    ('defaults = { zone = "" }', "layer 'nr', key 'defaults.zone': '': is blank"),
    ('defaults = { zonee = "core" }', "key 'defaults': unknown attribute of kind nature_reserve "
                                      "'zonee'"),
    ('defaults = { id = "x" }', "key 'defaults': unknown attribute of kind nature_reserve 'id'"),
    ('accuracy_m = 0', "layer 'nr', key 'accuracy_m': Input should be greater than 0"),
    ('accuracy_m = "fine"', "layer 'nr', key 'accuracy_m'"),
])
def test_bad_defaults_and_accuracy_are_catalog_errors(folder, extra, expected):
    with pytest.raises(CatalogError, match="catalog.toml") as info:
        _catalog(folder, RESERVES + extra + "\n")
    assert expected in str(info.value)


def test_accuracy_is_kept(folder):
    assert _catalog(folder, RESERVES + "accuracy_m = 2.5\n").spec("nr").accuracy_m == 2.5
    assert _catalog(folder, RESERVES).spec("nr").accuracy_m is None


def test_int_facts_are_strict(folder):
    body = ('[[layer]]\nid = "lf"\nkind = "closed_landfill"\npath = "nr.geojson"\n'
            'columns = { closed_year = "年份" }\n')
    gdf = _catalog(folder, body).read("lf").gdf
    assert list(gdf["closed_year"]) == [2019, None, None, 2020]
    assert "is not a whole number" in gdf["_unknown"].iloc[1]["closed_year"]
    assert gdf["_unknown"].iloc[2]["closed_year"] == "closed_year is blank"


@pytest.mark.parametrize("value,expected", [("1,000", 1000.0), ("1，000.5", 1000.5),
                                            (" 35 ", 35.0), ("1e3", 1000.0)])
def test_float_facts_read_thousands_separators(value, expected):
    assert get_kind("substation").attributes["voltage_kv"].coerce(value) == expected


@pytest.mark.parametrize("value,needle", [
    ("1,5", "use a point for decimals: 1.5"), ("0,500", "use a point for decimals: 0.500"),
    ("1_000", "'1_000' is not a number"), ("nan", "'nan' is not a number")])
def test_float_facts_refuse_a_decimal_comma(value, needle):
    """One reading of a comma for layer attributes and project attributes (layers.numbers)."""
    with pytest.raises(ValueError) as info:
        get_kind("substation").attributes["voltage_kv"].coerce(value)
    assert needle in str(info.value)


@pytest.mark.parametrize("region,expected", [
    ('name = "x"\nextent = [106.1, 26.1, 107.3, 27.4]\nprovince = "贵州省"\nadmin_code = 520100',
     None),
    ('nmae = "x"', "[region], key 'nmae': unknown key"),
    ('extent = [107.3, 26.1, 106.1, 27.4]', "[region], key 'extent': expected [min_lon"),
    ('extent = [106.1, 26.1]', "[region], key 'extent'"),
    ('province = "Atlantis"', "[region], key 'province': 'Atlantis' names no province"),
    ('admin_code = "5201"', "[region], key 'admin_code': expected a 6-digit"),
    ('synthetic = "maybe"', "[region], key 'synthetic'"),
])
def test_region_keys_are_validated(folder, region, expected):
    body = f"[region]\n{region}\n\n" + RESERVES
    if expected is None:
        cat = _catalog(folder, body)
        assert cat.region == {"name": "x", "extent": [106.1, 26.1, 107.3, 27.4],
                              "province": "贵州省", "admin_code": "520100"}
        return
    with pytest.raises(CatalogError) as info:
        _catalog(folder, body)
    assert expected in str(info.value) and "catalog.toml" in str(info.value)
