"""What a later rule set file changes in a rule an earlier file defined, and which changes make
the rule set softer than the file it overrides.

A province may adapt the national rules (thresholds are parameters, see POLICY.md), so a change
is never refused; a softening one becomes a bilingual notice that ``siting rules``, the terminal
and the screening report show.
"""

from __future__ import annotations

from typing import Any

from layers.errors import Bilingual, bi

LARGER_IS_SOFTER = ("tolerance_m2", "min_share")
"""Keys whose larger value lets more footprints pass (square metres; share 0–1)."""
SCOPE = ("applies_to", "when", "filter", "in_region", "layer", "unless_within", "relation",
         "major_categories", "major_types")
"""Keys that decide where or to whom a rule applies: any change is listed ("scope changed")."""


def show_value(value: Any) -> str:
    """A value as written in a notice (numbers without a trailing ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else f"{value:g}"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict | list | bool):
        import json

        return json.dumps(value, ensure_ascii=False)  # true, not Python's True
    return str(value)


def is_softer(key: str, old: Any, new: Any) -> bool:
    """Whether setting ``key`` from ``old`` to ``new`` makes a rule milder or changes its scope.

    Parameters
    ----------
    key : str
        The rule key (see :mod:`geo.rules`).
    old, new
        The value before (the earlier file's, or the model default) and after.
    """
    if key == "enabled":
        return old is not False and new is False
    if key == "outcome":
        from geo.rules import SEVERITY  # here: geo.rules imports this module

        return SEVERITY.get(str(new), 0) < SEVERITY.get(str(old), 0)
    if key in LARGER_IS_SOFTER or key == "distance_m":
        try:
            grew = float(new) > float(old if old is not None else 0)
        except (TypeError, ValueError):
            return True  # not a number: the model refuses it; never call it harmless
        return grew if key in LARGER_IS_SOFTER else float(new) < float(old or 0)
    if key in SCOPE:
        return old != new
    return False


def record(changes: list[dict], rid: str, base: dict, new: dict, file: str, first: str,
           defaults: dict[str, Any]) -> None:
    """Append each key ``new`` (the merged rule) changes in ``base`` to ``changes``.

    Parameters
    ----------
    changes : list of dict
        Filled with ``rule``, ``file`` (the later file's name), ``over`` (the file that defined
        the rule), ``key``, ``old``, ``new`` and ``soft`` (bool, :func:`is_softer`).
    rid : str
        The rule id.
    base, new : dict
        The rule's keys before and after the later file.
    file, first : str
        The later file's name, and the name of the file that first defined the rule.
    defaults : dict
        Model defaults of the keys a file may leave out.
    """
    for key in new:
        if key == "id":
            continue
        old = base.get(key, defaults.get(key))
        if old == new[key]:
            continue
        changes.append({"rule": rid, "file": file, "over": first, "key": key, "old": old,
                        "new": new[key], "soft": is_softer(key, old, new[key])})


def change_notice(change: dict, national: bool) -> Bilingual:
    """The bilingual notice of one softening change (:func:`record`)."""
    who_en = (f"national rule {change['rule']}" if national else
              f"rule {change['rule']} (from {change['over']})")
    who_zh = (f"国家规则 {change['rule']}" if national else
              f"规则 {change['rule']}（来自 {change['over']}）")
    key, old, new = change["key"], change["old"], change["new"]
    if key == "enabled":
        what_en, what_zh = "switched off (enabled = false)", "被停用（enabled = false）"
    elif key in SCOPE:
        what_en = f"scope changed ({key}: {show_value(old)} → {show_value(new)})"
        what_zh = f"适用范围改变（{key}：{show_value(old)} → {show_value(new)}）"
    elif key == "outcome":  # the Chinese half in the words the report shows, codes beside
        from geo.vocabulary import VERDICT_WORDS

        zh = {code: words[0] for code, words in VERDICT_WORDS.items()}
        what_en = f"outcome {show_value(old)} → {show_value(new)}"
        what_zh = (f"结论 {zh.get(str(old), show_value(old))} → {zh.get(str(new), show_value(new))}"
                   f"（{show_value(old)} → {show_value(new)}）")
    else:
        what_en = f"{key} {show_value(old)} → {show_value(new)}"
        what_zh = f"{key} {show_value(old)} → {show_value(new)}"
    if key in SCOPE:  # cannot be judged: the reader checks it
        return bi(f"{who_en}: {what_en} by {change['file']} (may be softer than the file it "
                  "overrides: check it)",
                  f"{who_zh}：{what_zh}，由 {change['file']} 改写（可能比被覆盖的文件宽松，请核对）")
    return bi(f"{who_en}: {what_en} by {change['file']} (softer than the file it overrides)",
              f"{who_zh}：{what_zh}，由 {change['file']} 改写（比被覆盖的文件更宽松）")


def without_national(n: int) -> Bilingual:
    """The notice of a rule set that does not include the ``n`` national rules."""
    return bi(f"this rule set does not include the national rules ({n} rules not applied): add "
              "extends = \"national\" to the file's [ruleset] or give --rules national first",
              f"本规则集不含国家规则（{n} 条未适用）：请在文件的 [ruleset] 中加 "
              "extends = \"national\"，或先给 --rules national")
