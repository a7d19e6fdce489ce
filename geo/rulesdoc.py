"""The rule set as a Markdown table (``docs/rules.md``), generated so that it is never stale.

``python -m geo.rulesdoc > docs/rules.md`` (or ``siting rules --markdown``) writes it;
``tests/test_rules.py`` checks that the committed file is current.
"""

from __future__ import annotations

import sys

from geo.regions import load_region
from geo.rules import Rule, RuleSet, load_rules

_OUTCOME = {"prohibited": "prohibited 不予准入", "review": "review 需论证",
            "admitted": "admitted 准入（鼓励）"}
_CONFIDENCE = {"V": "V (text checked)", "P": "P (from a summary)", "?": "? (uncertain)"}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _applies(rule: Rule) -> str:
    a = rule.applies_to
    parts = []
    if a.types:
        parts.append("types " + ", ".join(a.types))
    if a.industries:
        parts.append("industries " + ", ".join(a.industries))
    if a.two_high is not None:
        parts.append("两高" if a.two_high else "not 两高")
    text = " or ".join(parts) or "all projects"
    if a.except_types:
        text += "; except types " + ", ".join(a.except_types)
    if a.except_if:
        text += "; unless " + " / ".join(a.except_if) + " holds"
    if a.require_any:
        text += "; when " + " or ".join(a.require_any) + " holds"
    return text


def _conditions(rule: Rule) -> str:
    out = []
    for key, value in rule.when.items():
        if isinstance(value, dict):
            op, bound = next(iter(value.items()))
            out.append(f"{key} {op} {bound}")
        else:
            out.append(f"{key} = {str(value).lower() if isinstance(value, bool) else value}")
    for region, wanted in rule.in_region.items():
        out.append(("in " if wanted else "not in ") + load_region(region).name_en)
    if "national_major" in rule.applies_to.except_if + rule.applies_to.require_any:
        out.append("national-major categories " + ", ".join(rule.major_categories)
                   + "; for types " + ", ".join(rule.major_types))
    return "; ".join(out) or "—"


def _relation(rule: Rule) -> str:
    if rule.relation == "none":
        return "project facts only"
    text = f"{rule.relation} {' + '.join(rule.layer)}"
    if rule.distance_m:
        text = f"within {rule.distance_m:g} m of {' + '.join(rule.layer)}"
    if rule.filter:
        text += " where " + ", ".join(f"{k} = {_value(v)}" for k, v in rule.filter.items())
    if rule.min_share:
        text += f" (over {rule.min_share:.0%} of the footprint)"
    if rule.unless_within:
        text += " unless within " + " + ".join(rule.unless_within)
    return text


def _value(value) -> str:
    if isinstance(value, dict):
        op, attr = next(iter(value.items()))
        return f"{op.replace('_', ' ')} {attr}"
    if isinstance(value, list):
        return " / ".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def rules_markdown(rule_set: RuleSet | None = None) -> str:
    """Every rule of ``rule_set`` (default: national) with its outcome, layer, source and
    confidence, as Markdown."""
    rule_set = rule_set or load_rules()
    lines = [f"# Rules: {rule_set.name}", "",
             "Generated from `" + "`, `".join(f.name for f in rule_set.files) + "` by "
             "`python -m geo.rulesdoc` (also `siting rules --markdown`); do not edit by hand.",
             "", "Outcomes: **prohibited** 不予准入 > **review** 需论证/有条件准入 > **admitted** 准入. "
             "Confidence: **V** text checked against the source; **P** from a summary or a "
             "provincial implementation; **?** uncertain (review only). Every fact a rule "
             "reads is three-valued: where it is unknown (a blank project flag, an unmapped "
             "feature value, an unknown region) a restrictive rule yields *review* naming the "
             "fact; a rule whose layer is missing yields *review* \"not checked: layer X not "
             "provided\". Besides these rules, every screening reports projects partly outside "
             "the catalog's coverage and parts of projects in no control unit (*review*), and "
             "projects far outside the catalog's region (*error*).", "",
             f"{len(rule_set)} rules.", "",
             "| # | id | title | outcome | applies to | layer and relation | conditions | "
             "source | confidence |",
             "|---|---|---|---|---|---|---|---|---|"]
    for k, rule in enumerate(rule_set, start=1):
        lines.append("| " + " | ".join(_cell(c) for c in (
            k, f"`{rule.id}`", f"{rule.title_zh}<br>{rule.title_en}", _OUTCOME[rule.outcome],
            _applies(rule), _relation(rule), _conditions(rule), rule.source,
            _CONFIDENCE[rule.confidence])) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Print the national rules as Markdown (``python -m geo.rulesdoc > docs/rules.md``)."""
    sys.stdout.write(rules_markdown(load_rules(sys.argv[1:] or None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
