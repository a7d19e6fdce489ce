"""Rule sets: loading, validation errors that name file/rule/key, province overrides."""

from __future__ import annotations

import tomllib

import pytest

from geo.rules import RULESET_DIR, load_rules
from layers.errors import RuleSetError

RULE = """
[[rule]]
id = "{id}"
title_zh = "t"
title_en = "t"
source = "s"
confidence = "{confidence}"
relation = "intersects"
layer = "{layer}"
outcome = "{outcome}"
message_zh = "m"
message_en = "m"
{extra}
"""


def write(tmp_path, name="r.toml", head="", **kw):
    values = {"id": "my_rule", "confidence": "P", "layer": "ecological_red_line",
              "outcome": "review", "extra": ""} | kw
    path = tmp_path / name
    path.write_text(head + RULE.format(**values), encoding="utf-8")
    return path


def test_national_loads_and_covers_every_rule_file_entry():
    raw = tomllib.loads((RULESET_DIR / "national.toml").read_text(encoding="utf-8"))
    rs = load_rules()
    assert [r.id for r in rs] == [r["id"] for r in raw["rule"]]
    assert all(r.source and r.message_zh and r.message_en for r in rs)
    assert all(r.outcome == "review" for r in rs if r.confidence == "?")
    frame = rs.to_frame()
    assert list(frame.columns[:2]) == ["id", "outcome"] and len(frame) == len(rs)


def test_uncertain_rule_may_not_prohibit(tmp_path):
    path = write(tmp_path, confidence="?", outcome="prohibited")
    with pytest.raises(RuleSetError) as err:
        load_rules([path])
    msg = str(err.value)
    assert "r.toml" in msg and "'my_rule'" in msg and "'?'" in msg


@pytest.mark.parametrize("kw,needle", [
    ({"layer": "volcano"}, "unknown layer kind 'volcano'"),
    ({"extra": "colour = 'red'"}, "'colour': unknown key"),
    ({"extra": "filter = { unit_kind = 'x' }"}, "unknown attribute of ecological_red_line"),
    ({"extra": "distance_m = 5"}, "distance_m"),
    ({"extra": "applies_to = { types = ['spaceship'] }"}, "'spaceship'"),
    ({"outcome": "maybe"}, "key 'outcome'"),
])
def test_errors_name_file_rule_and_key(tmp_path, kw, needle):
    with pytest.raises(RuleSetError) as err:
        load_rules([write(tmp_path, **kw)])
    msg = str(err.value)
    assert "r.toml" in msg and "my_rule" in msg and needle in msg


def test_bad_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]\nid=", encoding="utf-8")
    with pytest.raises(RuleSetError, match="bad.toml: line 1, column 7: not valid TOML"):
        load_rules([bad])
    bad.write_bytes('[ruleset]\nname = "贵州"\n'.encode("gbk"))  # C7: one TOML reader
    with pytest.raises(RuleSetError, match="looks like GBK/GB18030.*save it as UTF-8"):
        load_rules([bad])
    with pytest.raises(RuleSetError, match="is a folder, not a rule set file"):
        load_rules([tmp_path])
    with pytest.raises(RuleSetError, match="not found"):
        load_rules(["no_such_rules"])


def test_province_extends_and_overrides_by_id(tmp_path):
    override = tmp_path / "prov.toml"
    override.write_text('[ruleset]\nname = "prov"\n\n[[rule]]\nid = "wind_setback_settlement"\n'
                        'distance_m = 1200\n\n[[rule]]\nid = "closed_landfill"\nenabled = false\n'
                        + RULE.format(id="prov_extra", confidence="P", layer="road",
                                      outcome="review", extra="relation_note = 1")
                        .replace("relation_note = 1", ""), encoding="utf-8")
    rs = load_rules(["national", override])
    national = load_rules()
    assert rs.get("wind_setback_settlement").distance_m == 1200
    assert rs.get("wind_setback_settlement").title_en == national.get(
        "wind_setback_settlement").title_en
    assert "closed_landfill" not in [r.id for r in rs]
    assert [r.id for r in rs][-1] == "prov_extra"
    assert rs.name == "national+prov"


def test_override_that_breaks_a_rule_names_both_files(tmp_path):
    bad = tmp_path / "prov.toml"
    bad.write_text('[[rule]]\nid = "wind_setback_settlement"\noutcome = "prohibited"\n',
                   encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        load_rules(["national", bad])
    assert "national.toml + prov.toml" in str(err.value)


def test_guizhou_example_extends_national_once():
    alone = load_rules(["guizhou_example"])
    both = load_rules(["national", "guizhou_example"])
    assert [r.id for r in alone] == [r.id for r in both]
    assert alone.get("wind_setback_settlement").distance_m == 800
    assert len(both.files) == 2


def test_duplicate_ids_in_one_file_are_an_error(tmp_path):
    path = tmp_path / "dup.toml"
    path.write_text(RULE.format(id="twice", confidence="P", layer="road", outcome="review",
                                extra="") * 2, encoding="utf-8")
    with pytest.raises(RuleSetError) as err:
        load_rules([path])
    msg = str(err.value)
    assert "dup.toml" in msg and "'twice'" in msg and "duplicate id" in msg


def test_the_same_id_in_a_later_file_still_overrides(tmp_path):
    prov = tmp_path / "prov.toml"
    prov.write_text('[[rule]]\nid = "replacement_ratio_steel"\n'
                    'when = { capacity_replacement = true, replacement_ratio = { lt = 1.4 } }\n',
                    encoding="utf-8")
    rs = load_rules(["national", prov])
    assert rs.get("replacement_ratio_steel").when["replacement_ratio"] == {"lt": 1.4}


@pytest.mark.parametrize("extra,needle", [
    ("when = { replacement_ratio = 1.5 }", "when.replacement_ratio"),
    ("when = { replacement_scheme_date = { on_or_after = \"soon\" } }", "not a date"),
    ("when = { component = \"roof\" }", "unknown component 'roof'"),
    ("when = { colour = true }", "unknown project condition 'colour'"),
    ("in_region = { atlantis = true }", "unknown region 'atlantis'"),
    ("major_categories = [\"airport\"]", "national-major category 'airport'"),
    ("filter = { name = 1 }", ""),
])
def test_condition_keys_are_validated(tmp_path, extra, needle):
    path = write(tmp_path, extra=extra)
    if extra.startswith("filter = { name"):
        load_rules([path])  # a free-text attribute takes any value
        return
    with pytest.raises(RuleSetError) as err:
        load_rules([path])
    assert needle in str(err.value) and "my_rule" in str(err.value)


def test_filter_values_must_be_allowed_values(tmp_path):
    path = write(tmp_path, layer="water_source", extra="filter = { grade = 1 }")
    with pytest.raises(RuleSetError, match="unknown value of grade 1; expected one of: 1, 2, quasi"):
        load_rules([path])


def test_province_file_overrides_a_replacement_ratio():
    """The Guizhou example raises the steel ratio (a parameter, not a constant in code)."""
    rs = load_rules(["guizhou_example"])
    assert rs.get("replacement_ratio_steel").when["replacement_ratio"] != \
        load_rules().get("replacement_ratio_steel").when["replacement_ratio"]


def test_docs_rules_md_is_current():
    from pathlib import Path

    from geo.rulesdoc import rules_markdown

    committed = (Path(__file__).resolve().parents[1] / "docs" / "rules.md").read_text(
        encoding="utf-8")
    assert committed == rules_markdown(), "regenerate: python -m geo.rulesdoc > docs/rules.md"
    for rule in load_rules():
        assert f"`{rule.id}`" in committed and rule.source.replace("|", "\\|") in committed
