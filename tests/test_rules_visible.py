"""A rule set that is softer than the national rules says so (review 30 HIGH 1, HIGH 2, MEDIUM 5).

An empty rule file is refused; a rule set without the national rules, and every later file's
change that makes a rule milder (outcome, enabled, tolerance, distance, scope), is listed as a
notice in ``siting rules``, on the terminal of ``siting check`` / ``siting screen`` and in the
screening report's header.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from geo.rules import load_rules
from layers.errors import RuleSetError
from maps.cli import cli

RED_LINE = (106.83903868875814, 26.6139845)
"""A point inside a demo red line (WGS 84)."""


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def override(folder, name, body, extends=True):
    head = '[ruleset]\nname = "gz"\n' + ('extends = "national"\n' if extends else "")
    return write(folder, name, head + body)


SOFT = '[[rule]]\nid = "red_line"\noutcome = "review"\n'


def test_empty_file_refused(tmp_path):
    path = write(tmp_path, "empty.toml", "# 待填写\n")
    with pytest.raises(RuleSetError, match="empty.toml.*holds no rules"):
        load_rules([path])
    res = run("rules", path)
    assert res.exit_code == 2 and "holds no rules" in res.output


def test_header_only_with_extends_is_the_national_set(tmp_path):
    path = override(tmp_path, "header.toml", "")
    rules = load_rules([path])
    assert len(rules) == len(load_rules()) and not rules.notices


def test_without_national_is_noticed(tmp_path):
    path = write(tmp_path, "mine.toml", '[ruleset]\nname = "mine"\n' + """
[[rule]]
id = "gz_only"
title_zh = "本省"
title_en = "Province"
source = "本省规定"
confidence = "?"
relation = "within_distance"
distance_m = 800
layer = "settlement"
outcome = "review"
message_zh = "须论证。"
message_en = "Review."
""")
    rules = load_rules([path])
    assert len(rules) == 1
    national = len(load_rules())
    assert any("does not include the national rules" in n and f"{national} rules not applied"
               in n and "国家规则" in n for n in rules.notices), rules.notices
    assert not load_rules(["national", path]).notices
    res = run("rules", path)
    assert res.exit_code == 0 and "does not include the national rules" in res.output


@pytest.mark.parametrize("body, words", [
    (SOFT, "outcome prohibited → review"),
    ('[[rule]]\nid = "basic_farmland"\nenabled = false\n', "switched off"),
    ('[[rule]]\nid = "red_line"\ntolerance_m2 = 100000000\n', "tolerance_m2 1 → 100000000"),
    ('[[rule]]\nid = "wind_setback_settlement"\ndistance_m = 100\n', "distance_m"),
    ('[[rule]]\nid = "basic_farmland"\napplies_to = { types = ["industrial"] }\n',
     "scope changed"),
])
def test_softening_change_noticed(tmp_path, body, words):
    path = override(tmp_path, "soft.toml", body)
    rules = load_rules([path])
    soft = [n for n in rules.notices if "soft.toml" in n]
    assert len(soft) == 1 and words in soft[0] and "national rule" in soft[0], rules.notices
    change = [c for c in rules.changes if c["soft"]]
    assert len(change) == 1 and change[0]["file"] == "soft.toml"


def test_harder_change_recorded_not_noticed(tmp_path):
    path = override(tmp_path, "hard.toml", '[[rule]]\nid = "red_line_allowed_activity"\n'
                    'outcome = "prohibited"\n[[rule]]\nid = "wind_setback_settlement"\n'
                    'distance_m = 2000\n')
    rules = load_rules([path])
    assert not rules.notices
    assert {(c["rule"], c["key"], c["old"], c["new"]) for c in rules.changes} >= {
        ("red_line_allowed_activity", "outcome", "review", "prohibited")}
    assert len(rules.changes) == 2


def test_second_province_file_override_recorded(tmp_path):
    first = override(tmp_path, "a.toml", """
[[rule]]
id = "gz_buffer"
title_zh = "红线周边"
title_en = "Near the red line"
source = "本省规定"
confidence = "P"
relation = "within_distance"
distance_m = 200
layer = "ecological_red_line"
outcome = "review"
message_zh = "须论证。"
message_en = "Review."
""")
    second = override(tmp_path, "b.toml", '[[rule]]\nid = "gz_buffer"\ndistance_m = 50\n')
    rules = load_rules([first, second])
    assert any("gz_buffer" in n and "b.toml" in n and "a.toml" in n for n in rules.notices), \
        rules.notices


def test_rules_command_prints_notices(tmp_path):
    path = override(tmp_path, "soft.toml", SOFT)
    res = CliRunner().invoke(cli, ["rules", str(path)])
    assert res.exit_code == 0
    assert "outcome prohibited → review" in res.stdout
    res = CliRunner().invoke(cli, ["rules", str(path), "--csv"])
    assert res.exit_code == 0
    assert "outcome prohibited → review" in res.stderr
    assert "softer than" not in res.stdout and "warning" not in res.stdout  # CSV stays clean
    assert "outcome prohibited → review (soft.toml)" in res.stdout  # its column of changes


def test_check_prints_warning_once(tmp_path):
    path = override(tmp_path, "soft.toml", SOFT)
    res = CliRunner().invoke(cli, [
        "check", "--point", f"{RED_LINE[0]},{RED_LINE[1]}", "--demo", "--coords", "wgs84",
        "--type", "pv", "--rules", "national", "--rules", str(path), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("red_line: outcome prohibited → review") == 1, res.stderr
    import json

    res = CliRunner().invoke(cli, [
        "check", "--point", f"{RED_LINE[0]},{RED_LINE[1]}", "--demo", "--coords", "wgs84",
        "--type", "pv", "--rules", "national", "--rules", str(path), "--json", "--lang", "en"])
    assert res.exit_code == 0, res.output
    notices = json.loads(res.stdout)["rule_notices"]
    assert len(notices) == 1 and notices[0].startswith("national rule red_line: outcome")


def test_screen_warns_and_report_shows(tmp_path):
    path = override(tmp_path, "soft.toml", SOFT)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["screen", "--demo", "--rules", str(path), "--out", str(out),
                                   "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("国家规则 red_line：结论 不予准入 → 需论证（prohibited → review）") == 1, \
        res.stderr
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "国家规则 red_line：结论 不予准入 → 需论证（prohibited → review），由 soft.toml 改写" in report
    assert "national rule red_line" not in report  # in the report's language
    from openpyxl import load_workbook

    about = load_workbook(out / "screening.xlsx")["about"]
    assert any("国家规则 red_line" in str(c.value) for row in about.iter_rows() for c in row)


@pytest.mark.parametrize("key", ["source", "title_zh", "message_en"])
def test_blank_text_refused(tmp_path, key):
    rule = {"id": "gz_buffer", "title_zh": "红线周边", "title_en": "Near", "source": "本省规定",
            "message_zh": "须论证。", "message_en": "Review."}
    rule[key] = "  "
    body = "[[rule]]\n" + "".join(f'{k} = "{v}"\n' for k, v in rule.items()) + (
        'confidence = "P"\nrelation = "within_distance"\ndistance_m = 200\n'
        'layer = "ecological_red_line"\noutcome = "review"\n')
    path = override(tmp_path, "blank.toml", body)
    with pytest.raises(RuleSetError, match=f"{key}"):
        load_rules([path])
    res = run("rules", path)
    assert res.exit_code == 2 and key in res.output


def test_a_mistyped_override_id_names_the_rule_meant(tmp_path):
    """Review 30 MEDIUM 8: an override with a mistyped id was a new rule, refused with eight
    "required key is missing" lines and no word of the rule meant."""
    typo = tmp_path / "typo.toml"
    typo.write_text('[ruleset]\nname = "typo"\nextends = "national"\n\n[[rule]]\n'
                    'id = "wind_setback_setlement"\ndistance_m = 800\n', encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        load_rules([typo])
    text = str(err.value)
    assert "did you mean 'wind_setback_settlement'?" in text and "是否应为" in text
    assert len(text.splitlines()) == 1 and "required key" not in text


def test_each_rule_file_is_named_with_its_own_hash(tmp_path):
    """Review 30 LOW 9: the report and workbook gave one SHA-256 of all rule files together,
    which matches neither file: each file now shows what sha256sum prints for it."""
    import hashlib

    from geo.rules import RULESET_DIR

    mine = tmp_path / "mine.toml"
    mine.write_text('[ruleset]\nname = "mine"\nextends = "national"\n\n[[rule]]\n'
                    'id = "wind_setback_settlement"\ndistance_m = 800\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["screen", "--demo", "--rules", str(mine), "--out",
                                   str(tmp_path / "o"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    for path in (RULESET_DIR / "national.toml", mine):
        assert f"{path.name} SHA-256 {hashlib.sha256(path.read_bytes()).hexdigest()[:12]}" in html


def _csv(res):
    import io

    import pandas as pd

    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.stdout), keep_default_na=False).set_index("id")


def test_rules_table_shows_files_changes_conditions_and_switched_off(tmp_path):
    """Review 30 MEDIUM 4: a province file that narrows, loosens or switches off a national rule
    must not print the national table unchanged."""
    path = override(tmp_path, "narrow.toml", """
[[rule]]
id = "basic_farmland"
applies_to = { types = ["industrial"] }
tolerance_m2 = 10000000

[[rule]]
id = "red_line"
enabled = false
""")
    national, ours = _csv(run("rules", "national", "--csv")), _csv(
        run("rules", "national", path, "--csv"))
    assert set(ours.index) == set(national.index)  # the switched-off rule is listed too
    off = ours.loc["red_line"]
    assert not off["enabled"]
    assert off["file"] == "national.toml > narrow.toml"
    assert "enabled true → false (narrow.toml)" in off["changed"]
    farm = ours.loc["basic_farmland"]
    assert 'applies_to.types = ["industrial"]' in farm["conditions"]
    assert "tolerance_m2 = 10000000" in farm["conditions"]
    assert "tolerance_m2 1 → 10000000 (narrow.toml)" in farm["changed"]
    assert national.loc["basic_farmland", "changed"] == ""
    assert "tolerance_m2" not in national.loc["basic_farmland", "conditions"]
    untouched = national.drop(index=["basic_farmland", "red_line"])
    assert ours.loc[untouched.index].equals(untouched)

    text = run("rules", "national", path, "--lang", "en")
    assert text.exit_code == 0
    assert "1 switched off" in text.output
    line = next(x for x in text.output.splitlines() if x.startswith("red_line "))
    assert "[switched off: not applied]" in line
    zh = run("rules", "national", path, "--lang", "zh").output
    assert "1 条已停用" in zh and "tolerance_m2 1 → 10000000 (narrow.toml)" in zh


def test_rule_key_errors_read_in_chinese(tmp_path):
    """Review 30 MEDIUM 6: pydantic's errors were English only under --lang zh; a Chinese
    outcome word gets the code it stands for."""
    path = override(tmp_path, "bad.toml", '[[rule]]\nid = "basic_farmland"\n'
                    'outcome = "需论证"\ntolerance_m2 = -3\ndistance_m = "五百"\n')
    zh = run("rules", "national", path, "--lang", "zh")
    assert zh.exit_code == 2
    lines = [x for x in zh.output.splitlines() if "basic_farmland" in x]
    assert len(lines) == 3 and all(" / " in x for x in lines)
    assert any(x.removeprefix("Error: ").startswith("national.toml + bad.toml，规则 'basic_farmland'，"
                                              "键 'outcome'：应为 'prohibited'、'review'、"
                                              "'admitted' 之一：'需论证' 写作 'review'")
               for x in lines)
    assert any("键 'tolerance_m2'：应不小于 0" in x for x in lines)
    assert any("键 'distance_m'：应为数字" in x for x in lines)
    en = run("rules", "national", path, "--lang", "en").output
    assert "key 'outcome': Input should be 'prohibited', 'review' or 'admitted' / " in en


def test_catalog_key_errors_read_in_chinese(tmp_path):
    from layers.catalog import load_catalog
    from layers.errors import InputError, in_lang

    catalog = write(tmp_path, "c.toml", '[[layer]]\nid = "x"\nkind = "ecological_red_line"\n'
                    'path = "x.gpkg"\nsource = "s"\ndate = "2024-01-01"\naccuracy_m = -1\n')
    with pytest.raises(InputError) as err:
        load_catalog(catalog)
    assert "图层 'x'，键 'accuracy_m'：应大于 0 / " in in_lang(str(err.value), "zh")


def test_a_filter_error_names_the_filter_key(tmp_path):
    """Review 30 LOW 10: a whole-rule check's error named key '(rule)'."""
    path = override(tmp_path, "cn.toml", '[[rule]]\nid = "control_unit_priority_industrial"\n'
                    'filter = { unit_type = "优先保护" }\n')
    res = run("rules", "national", path, "--lang", "en")
    assert res.exit_code == 2
    assert "rule 'control_unit_priority_industrial', key 'filter': filter 'unit_type': " \
        "unknown value of unit_type '优先保护'" in res.output
