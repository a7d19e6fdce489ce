"""TOML files written by hand: GBK, folders and syntax errors give one message with the fix."""

from __future__ import annotations

import pytest

from layers.catalog import load_catalog
from layers.errors import CatalogError, InputError, RuleSetError
from layers.tomlfile import load_toml

TEXT = '[region]\nname = "贵阳市"\n'


def test_utf8_with_or_without_bom(tmp_path):
    (tmp_path / "a.toml").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b.toml").write_text(TEXT, encoding="utf-8-sig")
    assert load_toml(tmp_path / "a.toml") == load_toml(tmp_path / "b.toml") == {
        "region": {"name": "贵阳市"}}


def test_gbk_file_is_told_to_be_saved_as_utf8(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_bytes(TEXT.encode("gbk"))
    with pytest.raises(RuleSetError) as info:
        load_toml(path, RuleSetError, "rule set")
    assert str(info.value).startswith(f"{path}: is not UTF-8 (looks like GBK/GB18030): save it "
                                      "as UTF-8")
    path.write_bytes(b'name = "\xff\xfe\xfa"\n')  # neither UTF-8 nor GB18030
    with pytest.raises(InputError, match="is not UTF-8 text .*save it as UTF-8"):
        load_toml(path)


def test_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "catalog.toml"
    path.write_text('[region]\nname = "x"\n\n[[layer]\nid = "a"\n', encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_toml(path, CatalogError, "catalog")
    assert str(info.value).startswith(f"{path}: line 4, column ")
    assert "not valid TOML" in str(info.value) and "'[[layer]'" in str(info.value)
    path.write_text('name = "x', encoding="utf-8")
    with pytest.raises(CatalogError, match="line 1, column .*not valid TOML"):
        load_toml(path, CatalogError, "catalog")


def test_folder_lists_the_toml_files_inside(tmp_path):
    (tmp_path / "guiyang.toml").write_text(TEXT, encoding="utf-8")
    (tmp_path / "zunyi.toml").write_text(TEXT, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    assert str(info.value) == (f"{tmp_path}: is a folder, not a catalog file; it holds "
                               "guiyang.toml, zunyi.toml; give one of them")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CatalogError, match="is a folder, not a catalog file; it holds no .toml"):
        load_catalog(empty)


def test_missing_file(tmp_path):
    with pytest.raises(CatalogError, match="catalog file not found"):
        load_catalog(tmp_path / "none.toml")


@pytest.mark.parametrize("name,content,expected", [
    ("units.gpkg", b"SQLite format 3\x00\x10\x00", "is not a catalog file but a GeoPackage"),
    ("layer.tif", b"II*\x00\x08\x00\x00\x00", "is not a catalog file but a raster"),
    ("data.bin", b"\x00\x01\x02", "is not a catalog file but binary data"),
    ("p.geojson", b'{"type": "FeatureCollection", "features": []}',
     "is not a catalog file but a GeoJSON file"),
    ("notepad.toml", TEXT.encode("utf-16"), "is UTF-16 text: save it as UTF-8"),
])
def test_a_data_file_given_for_a_toml_file_says_so(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(info.value).startswith(f"{path}: {expected}")
    if "UTF-16" not in expected:
        assert str(info.value).endswith("give the catalog (a .toml file) instead")
