"""Terminal messages read in the command's language first (review 24, finding 6): under the
default ``--lang zh`` the prepare summary is in Chinese, and a bilingual error puts its Chinese
half first; the password-in-catalog refusal has a Chinese half at all."""

from __future__ import annotations

import sys

import pytest
from _screen_helpers import box, write_catalog
from click.testing import CliRunner

import maps.cli
from maps.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_prepare_says_what_it_did_in_the_commands_language(tmp_path):
    cat = write_catalog(tmp_path / "data", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": "红线"}]),
    })
    res = run("prepare", cat, "--out", tmp_path / "zh")
    assert res.exit_code == 0, res.output
    assert f"已预处理 2 个图层：{tmp_path / 'zh' / 'catalog.toml'}" in res.output
    assert "prepared" not in res.output
    res = run("prepare", cat, "--out", tmp_path / "en", "--lang", "en")
    assert res.exit_code == 0, res.output
    assert f"prepared 2 layers: {tmp_path / 'en' / 'catalog.toml'}" in res.output
    # a bilingual refusal (the folder exists): Chinese first by default, English with --lang en
    zh = " ".join(run("prepare", cat, "--out", tmp_path / "zh").output.split())
    en = " ".join(run("prepare", cat, "--out", tmp_path / "zh", "--lang", "en").output.split())
    assert _cjk(zh.split("Error: ", 1)[1].split(" / ")[0]) and "--overwrite" in zh
    assert not _cjk(en.split("Error: ", 1)[1].split(" / ")[0]) and "--overwrite" in en


def _cjk(text):
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def _main(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["siting", *map(str, args)])
    with pytest.raises(SystemExit) as stop:
        maps.cli.main()
    return stop.value.code, capsys.readouterr()


def test_a_password_in_the_catalog_is_refused_in_chinese_first(tmp_path, monkeypatch, capsys):
    cat = tmp_path / "password.toml"
    cat.write_text('[region]\nname = "test"\n\n[[layer]]\nid = "red_lines"\n'
                   'kind = "ecological_red_line"\npostgis = { service = "zoning", table = '
                   '"public.red_lines", geometry = "geom", password = "x" }\n', encoding="utf-8")
    for command in (["layers", cat], ["check", "--coords", "wgs84", "--point", "106.7,26.6", "--type", "pv",
                                      "--catalog", cat]):
        code, out = _main(monkeypatch, capsys, *command)
        said = " ".join(out.err.split())
        assert code == 2, out
        zh = (f"Error: {cat}，图层 'red_lines'，键 'postgis'：键 'password' 含有密码；图层目录中不得"
              "含有登录凭据：请把密码写入 .pgpass 文件")
        assert zh in said and said.index(zh) < said.index("key 'password' holds a password")
        code, out = _main(monkeypatch, capsys, *command, "--lang", "en")
        said = " ".join(out.err.split())
        assert code == 2, out
        assert (f"Error: {cat}, layer 'red_lines', key 'postgis': key 'password' holds a password; "
                "a catalog must never hold credentials") in said
        assert said.index("holds a password") < said.index("含有密码")
