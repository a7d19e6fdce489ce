"""The rule set as a table a rule author or reviewer reads: for every rule, enabled or switched
off, the files that defined and changed it, the keys a later file changed (old → new) and the
conditions that narrow where or to whom it applies (``siting rules``, its ``--csv``).

A province file that narrows the farmland rule to industrial projects or sets a 10 km²
tolerance must not print the national table unchanged: the conditions and the changes are what
make two rule sets differ.
"""

from __future__ import annotations

import pandas as pd

from geo.rulechanges import show_value

CONDITION_KEYS = ("applies_to", "when", "filter", "in_region", "unless_within", "tolerance_m2",
                  "min_share", "major_categories", "major_types")
"""Rule keys that narrow a rule, listed in the table's ``conditions`` when not the default."""


def conditions(rule) -> str:
    """The rule's narrowing keys that differ from the model's defaults, ``key = value`` joined
    by ``; `` (``applies_to`` by its own keys: ``applies_to.types = ["wind"]``)."""
    fields = type(rule).model_fields
    parts = []
    for key in CONDITION_KEYS:
        value = getattr(rule, key)
        if key == "applies_to":
            given = value.model_dump(exclude_defaults=True)
            parts += [f"applies_to.{k} = {show_value(v)}" for k, v in given.items()]
        elif value != fields[key].default:
            parts.append(f"{key} = {show_value(value)}")
    return "; ".join(parts)


def changed(changes: list[dict], rule_id: str) -> str:
    """The keys later files changed in rule ``rule_id`` (``key old → new (file)``), joined by
    ``; ``; blank when no file changed it."""
    return "; ".join(f"{c['key']} {show_value(c['old'])} → {show_value(c['new'])} ({c['file']})"
                     for c in changes if c["rule"] == rule_id)


def rule_table(rule_set, lang: str = "en") -> pd.DataFrame:
    """Every rule of ``rule_set`` (the enabled ones, then those a file switched off).

    Parameters
    ----------
    rule_set : geo.rules.RuleSet
    lang : {"en", "zh"}
        Language of the titles.

    Returns
    -------
    DataFrame
        Columns ``id``, ``outcome``, ``relation`` (with the distance [m]), ``layer``,
        ``confidence``, ``title``, ``source``, ``enabled`` (False for a rule a file switched
        off: listed, never applied), ``file`` (the files that defined and changed the rule, in
        order, joined by `` > ``), ``changed`` (:func:`changed`) and ``conditions``
        (:func:`conditions`).
    """
    rules = list(rule_set.rules) + list(rule_set.disabled)
    return pd.DataFrame({
        "id": [r.id for r in rules],
        "outcome": [r.outcome for r in rules],
        "relation": [r.relation + (f" {r.distance_m:g} m" if r.distance_m else "")
                     for r in rules],
        "layer": ["+".join(r.layer) for r in rules],
        "confidence": [r.confidence for r in rules],
        "title": [r.title(lang) for r in rules],
        "source": [r.source for r in rules],
        "enabled": [r.enabled for r in rules],
        "file": [" > ".join(rule_set.origin.get(r.id, [])) for r in rules],
        "changed": [changed(rule_set.changes, r.id) for r in rules],
        "conditions": [conditions(r) for r in rules],
    }, columns=["id", "outcome", "relation", "layer", "confidence", "title", "source", "enabled",
                "file", "changed", "conditions"])
