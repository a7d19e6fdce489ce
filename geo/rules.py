"""Rule sets: rules are data (TOML), validated once at load.

A rule set file holds an optional ``[ruleset]`` table (``name``, ``description``, ``extends``) and
``[[rule]]`` entries. A later file extends an earlier one: a rule with a new id is appended, a rule
with an existing id overrides only the keys it gives (``enabled = false`` removes it). So a province
file can say just::

    [ruleset]
    name = "guizhou"
    extends = "national"

    [[rule]]
    id = "wind_setback_settlement"
    distance_m = 800

Within one file every rule id is unique (a repeated id is an error naming the file and the id).
A file with no rule and no ``extends`` is refused. A rule set without the national rules, and
each change a later file makes that softens a rule (outcome milder, ``enabled = false``, larger
``tolerance_m2``/``min_share``, smaller ``distance_m``, any change of scope) is not refused but
listed in :attr:`RuleSet.notices` (:mod:`geo.rulechanges`), which the commands and the report show.

Rule keys (see ``geo/rulesets/national.toml`` for every default and ``docs/rules.md`` for the
table):

``id``, ``title_zh``, ``title_en``, ``source`` (policy citation: article or part, quoted as
written), ``source_en`` (optional: the source in English where it is the tool's own principle,
e.g. fail closed, shown under ``--lang en``),
``confidence`` (``V`` checked, ``P`` from a summary, ``?`` uncertain: such a rule may only yield
``review``), ``applies_to`` (``types``, ``industries``, ``two_high``: a project matches when it
matches *any* given selector, all projects when none is given; ``except_types``; ``except_if``
and ``require_any``: the project facts of :data:`FLAGS`), ``when`` (project fact → condition:
``true``/``false`` for flags, a value (or ``{ blank = true }``) for ``component`` and
``industry``, ``{ lt|le|gt|ge = number }`` for
``replacement_ratio`` and ``coal_consumption_tce``, ``{ before|on_or_after = "YYYY-MM-DD" }`` for
``replacement_scheme_date``), ``in_region`` (region id → ``true``/``false``, see
:mod:`geo.regions`), ``major_categories`` / ``major_types`` (the national-major categories and the
project types for which this rule honours a national-major claim), ``relation``
(``intersects``, ``within``, ``outside``, ``within_distance`` with ``distance_m``, or ``none`` for
a rule on project facts only), ``layer`` (a layer kind or a list of kinds), ``filter`` (feature
attribute → value, list of values, or ``{ contains_project = "industry" }`` /
``{ lacks_project = "industry" }``), ``tolerance_m2`` (default 1: smaller overlaps are boundary
contact; beyond it, an overlap only a layer's ``accuracy_m`` explains is undetermined: review),
``min_share`` (share of the footprint the matching features must cover, for ``intersects``), ``unless_within`` (layer kinds: the rule does not fire
for a footprint covered by them), ``outcome`` (``prohibited`` | ``review`` | ``admitted``),
``message_zh`` / ``message_en`` (what must be verified), ``details`` (feature attributes appended
to the message).

Every condition is three-valued (:mod:`geo.facts`): where a fact the rule needs is unknown, a
restrictive rule yields ``review`` naming the fact instead of its outcome.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ValidationError

from geo.rulechanges import change_notice, record, without_national
from geo.rulemodel import FLAGS, OUTCOMES, SEVERITY, WHEN_FACTS, AppliesTo, Rule
from layers.errors import RuleSetError, bi, choice_error, framed, validation_messages
from layers.tomlfile import load_toml

__all__ = ["FLAGS", "OUTCOMES", "RULESET_DIR", "SEVERITY", "WHEN_FACTS", "AppliesTo", "Rule",
           "RuleSet", "load_rules", "resolve_ruleset"]

RULESET_DIR = Path(__file__).with_name("rulesets")


class RuleSet:
    """The effective rules after loading and merging one or more rule set files.

    Attributes
    ----------
    rules : list of Rule
        Enabled rules, in file order (base rules first, then a province's additions).
    files : list of Path
        The files read, in order.
    name : str
        Names of the files' ``[ruleset]`` tables joined with ``+``.
    changes : list of dict
        Every key a later file changed in a rule an earlier file defined (``rule``, ``file``,
        ``over``, ``key``, ``old``, ``new``, ``soft``; see :func:`geo.rulechanges.record`).
    notices : list of Bilingual
        What makes this rule set softer than the national rules without an error: the national
        rules left out, each softening change. Shown by ``siting rules``, on the terminal and in
        the report header.
    disabled : list of Rule
        Rules a file switched off (``enabled = false``): never applied, listed by
        ``siting rules``.
    origin : dict of str to list of str
        Per rule id, the names of the files that defined and then changed it, in order.
    """

    def __init__(self, rules: list[Rule], files: list[Path], name: str,
                 changes: list[dict] | None = None, notices: list | None = None,
                 origin: dict[str, list[str]] | None = None):
        self.rules = [r for r in rules if r.enabled]
        self.disabled = [r for r in rules if not r.enabled]
        self.files = files
        self.name = name
        self.changes = list(changes or [])
        self.notices = list(notices or [])
        self.origin = dict(origin or {})

    def __repr__(self) -> str:
        return f"<RuleSet {self.name}: {len(self.rules)} rules>"

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        """The rule ``rule_id``; unknown ids raise :class:`RuleSetError`."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise RuleSetError(choice_error("rule id", rule_id, [r.id for r in self.rules]))

    @property
    def kinds(self) -> list[str]:
        """Every layer kind the rules use, in first-use order."""
        out: list[str] = []
        for rule in self.rules:
            for kind in rule.layer + rule.unless_within:
                if kind not in out:
                    out.append(kind)
        return out

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """Every rule as a table (:func:`geo.ruletable.rule_table`): the enabled ones, then
        those a file switched off, with their files, changes and conditions."""
        from geo.ruletable import rule_table

        return rule_table(self, lang)


def resolve_ruleset(spec: str | Path) -> Path:
    """Turn a rule set name (``national``) or path into an existing file.

    Raises
    ------
    RuleSetError
        When neither a bundled rule set nor a file of that name exists.
    """
    text = str(spec)
    bundled = RULESET_DIR / f"{text}.toml"
    if "/" not in text and "\\" not in text and not text.endswith(".toml") and bundled.exists():
        return bundled
    path = Path(text)
    if path.exists():
        return path
    names = sorted(p.stem for p in RULESET_DIR.glob("*.toml"))
    raise RuleSetError(f"rule set {text!r} not found: neither a file nor a bundled rule set "
                       f"({', '.join(names)})")


def _read(path: Path) -> dict:
    raw = load_toml(path, RuleSetError, "rule set")
    unknown = set(raw) - {"ruleset", "rule"}
    if unknown:
        raise RuleSetError(f"{path}: unknown top-level key(s) {sorted(unknown)}; a rule set has "
                           "a [ruleset] table and [[rule]] entries")
    rules = raw.get("rule", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise RuleSetError(f"{path}, key 'rule': write each rule as a [[rule]] table")
    if not rules and not raw.get("ruleset", {}).get("extends"):
        raise RuleSetError(bi(
            f"{path}: the file holds no rules (no [[rule]] and no extends); an empty rule set "
            "would admit everything: add [[rule]] entries, or extends = \"national\" under "
            "[ruleset]",
            f"{path}：文件中没有规则（既无 [[rule]] 也无 extends），空规则集会让所有项目通过："
            "请添加 [[rule]]，或在 [ruleset] 中写 extends = \"national\""))
    seen: dict[str, int] = {}
    for k, r in enumerate(rules):
        if "id" not in r:
            raise RuleSetError(f"{path}, rule #{k + 1}, key 'id': required key is missing")
        rid = str(r["id"])
        if rid in seen:
            raise RuleSetError(f"{path}, rule {rid!r} (#{k + 1}), key 'id': duplicate id (first "
                               f"used by rule #{seen[rid] + 1}); ids must be unique within a "
                               "file (a later file may override a rule by its id)")
        seen[rid] = k
    head = raw.get("ruleset", {})
    extra = set(head) - {"name", "description", "extends"}
    if extra:
        raise RuleSetError(f"{path}, [ruleset], key {sorted(extra)[0]!r}: unknown key; expected "
                           "name, description, extends")
    return raw


def _format(files: str, rule_id: str, exc: ValidationError) -> str:
    return "\n".join(
        framed(msg, f"{files}, rule {rule_id!r}, key {key!r}: {{}}",
               f"{files}，规则 {rule_id!r}，键 {key!r}：{{}}")
        for loc, msg in validation_messages(exc, "see geo/rules.py for the rule keys")
        for key in ['.'.join(map(str, loc)) or _key_named(msg)])


def _key_named(message: str) -> str:
    """The rule key a whole-rule check's message begins with (``filter 'unit_type': …`` is about
    ``filter``), else ``(rule)``."""
    first = re.split(r"[\s.:']", str(message), maxsplit=1)[0]
    return first if first in Rule.model_fields else "(rule)"


def _misspelt(rid: str, files: list[str], ids: list[str], exc: ValidationError) -> str | None:
    """The error of a new rule that lacks required keys and whose id is close to an existing
    rule's: most likely an override with a mistyped id (one line naming the id meant, instead of
    one per missing key); None otherwise."""
    import difflib

    missing = [str(e["loc"][0]) for e in exc.errors() if e["type"] == "missing" and e["loc"]]
    near = difflib.get_close_matches(rid, [i for i in ids if i != rid], n=1, cutoff=0.8)
    if len(files) > 1 or not missing or not near:
        return None
    return (f"{files[0]}, rule {rid!r}: no earlier rule has this id, and as a new rule it lacks "
            f"{', '.join(repr(k) for k in missing)}; did you mean {near[0]!r}? An override "
            f"gives the id of the rule it changes / 没有 id 为 {rid!r} 的规则可覆盖，作为新规则又缺少 "
            f"{', '.join(missing)}；是否应为 {near[0]!r}？覆盖规则须使用被覆盖规则的 id")


def load_rules(specs: list[str | Path] | str | Path | None = None) -> RuleSet:
    """Load, merge and validate rule set files.

    Parameters
    ----------
    specs : name, path or list of them, optional
        ``None`` loads the bundled ``national`` rule set. Later files extend or override earlier
        ones by rule id; a file whose ``[ruleset]`` says ``extends = "national"`` loads that first
        (once, even when it is also given explicitly).

    Returns
    -------
    RuleSet

    Raises
    ------
    RuleSetError
        Naming the file, the rule and the key of every problem.
    """
    if specs is None:
        specs = ["national"]
    elif isinstance(specs, str | Path):
        specs = [specs]
    merged: dict[str, dict] = {}
    origin: dict[str, list[str]] = {}
    first: dict[str, Path] = {}
    changes: list[dict] = []
    defaults = {k: (f.default.model_dump() if isinstance(f.default, BaseModel) else f.default)
                for k, f in Rule.model_fields.items()}
    files: list[Path] = []
    names: list[str] = []

    def add(spec: str | Path, chain: tuple[Path, ...] = ()) -> None:
        path = resolve_ruleset(spec).resolve()
        if path in files:
            return
        if path in chain:
            raise RuleSetError(f"{path}: 'extends' makes a cycle")
        raw = _read(path)
        parent = raw.get("ruleset", {}).get("extends")
        if parent:
            add(parent if Path(str(parent)).is_absolute() or str(parent) in
                {p.stem for p in RULESET_DIR.glob("*.toml")} else path.parent / str(parent),
                chain + (path,))
        files.append(path)
        names.append(str(raw.get("ruleset", {}).get("name", path.stem)))
        for rule in raw.get("rule", []):
            rid = str(rule["id"])
            if rid in merged:
                base = dict(merged[rid])
                if isinstance(rule.get("applies_to"), dict) and isinstance(
                        base.get("applies_to"), dict):
                    rule = {**rule, "applies_to": {**base["applies_to"], **rule["applies_to"]}}
                record(changes, rid, base, rule, path.name, first[rid].name, defaults)
                base.update(rule)
                merged[rid] = base
                origin[rid].append(path.name)
            else:
                merged[rid] = dict(rule)
                origin[rid] = [path.name]
                first[rid] = path

    for spec in specs:
        add(spec)
    rules, errors = [], []
    for rid, raw_rule in merged.items():
        try:
            rules.append(Rule.model_validate(raw_rule))
        except ValidationError as exc:
            errors.append(_misspelt(rid, origin[rid], list(merged), exc)
                          or _format(" + ".join(origin[rid]), rid, exc))
    if errors:
        raise RuleSetError("\n".join(errors))
    national = (RULESET_DIR / "national.toml").resolve()
    notices = [] if national in files else [without_national(len(load_rules([national])))]
    notices += [change_notice(c, first[c["rule"]] == national) for c in changes if c["soft"]]
    return RuleSet(rules, files, "+".join(names), changes, notices, origin)
