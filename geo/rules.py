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
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geo.projects import COMPONENTS, INDUSTRIES, MAJOR_CATEGORIES, NUMBERS, TYPES
from geo.projects import FLAGS as PROJECT_FLAGS
from geo.regions import REGION_FILES
from geo.rulechanges import change_notice, record, without_national
from layers.errors import RuleSetError, bi, choice_error, framed, validation_messages
from layers.kinds import get_kind
from layers.tomlfile import load_toml

RULESET_DIR = Path(__file__).with_name("rulesets")
OUTCOMES: tuple[str, ...] = ("prohibited", "review", "admitted")
"""Rule outcomes, worst first."""
SEVERITY: dict[str, int] = {"error": 4, "prohibited": 3, "review": 2, "admitted": 1, "contact": 0}
"""Order of outcomes and verdicts (higher is worse)."""
FLAGS: tuple[str, ...] = ("allowed_activity", "national_major", "two_high") + PROJECT_FLAGS
"""Project facts usable in ``except_if`` / ``require_any`` (claims are honoured only where they
fit the project, see :mod:`geo.facts`)."""
WHEN_FACTS: tuple[str, ...] = ("two_high", *PROJECT_FLAGS, "component", "industry", *NUMBERS,
                               "replacement_scheme_date")
"""Project facts usable in ``when``."""
_PROJECT_OPS = ("contains_project", "lacks_project")
_NUMBER_OPS = ("lt", "le", "gt", "ge")
_DATE_OPS = ("before", "on_or_after")

Flag = Literal["allowed_activity", "national_major", "two_high", "capacity_replacement",
               "pollutant_offset", "coal_substitution", "risk_control_part"]


def _all_in(values, valid, what: str):
    """``values`` (a list, or a dict's keys) when each is in ``valid``; else a ValueError."""
    for value in values:
        if value not in valid:
            raise ValueError(choice_error(what, value, valid))
    return values


def _check_when(key: str, value: Any) -> None:
    """Validate one ``when`` condition (see the module docstring)."""
    if key not in WHEN_FACTS:
        raise ValueError(choice_error("project condition", key, WHEN_FACTS))
    if key in ("component", "industry"):
        valid = COMPONENTS if key == "component" else INDUSTRIES
        if isinstance(value, dict):
            if list(value) != ["blank"] or not isinstance(value["blank"], bool):
                raise ValueError(f"when.{key}: write a value or {{ blank = true }}; found "
                                 f"{value!r}")
        elif value not in valid:
            raise ValueError(choice_error(key, value, valid))
    elif key in NUMBERS or key == "replacement_scheme_date":
        ops = _NUMBER_OPS if key in NUMBERS else _DATE_OPS
        if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ops:
            raise ValueError(f"when.{key}: write {{ {' | '.join(ops)} = ... }}; found {value!r}")
        bound = next(iter(value.values()))
        if key in NUMBERS and (isinstance(bound, bool) or not isinstance(bound, int | float)):
            raise ValueError(f"when.{key}: the bound must be a number; found {bound!r}")
        if key == "replacement_scheme_date":
            import datetime as dt

            try:
                dt.date.fromisoformat(str(bound))
            except ValueError:
                raise ValueError(f"when.{key}: {bound!r} is not a date YYYY-MM-DD") from None
    elif not isinstance(value, bool):
        raise ValueError(f"when.{key}: write true or false; found {value!r}")


class AppliesTo(BaseModel):
    """Which projects a rule applies to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    types: list[str] = []
    industries: list[str] = []
    two_high: bool | None = None
    except_types: list[str] = []
    except_if: list[Flag] = []
    require_any: list[Flag] = []

    _types = field_validator("types", "except_types")(
        classmethod(lambda cls, v: _all_in(v, TYPES, "project type")))
    _industries = field_validator("industries")(
        classmethod(lambda cls, v: _all_in(v, INDUSTRIES, "industry")))


class Rule(BaseModel):
    """One rule: who it applies to, the spatial relation, the outcome and its evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title_zh: str
    title_en: str
    source: str
    source_en: str = ""
    confidence: Literal["V", "P", "?"]
    applies_to: AppliesTo = AppliesTo()
    relation: Literal["intersects", "within", "outside", "within_distance", "none"]
    layer: list[str] = []
    distance_m: float | None = Field(default=None, gt=0)
    filter: dict[str, Any] = {}
    tolerance_m2: float = Field(default=1.0, ge=0)
    min_share: float = Field(default=0.0, ge=0, lt=1)
    unless_within: list[str] = []
    when: dict[str, Any] = {}
    in_region: dict[str, bool] = {}
    major_categories: list[str] = list(MAJOR_CATEGORIES)
    major_types: list[str] = list(TYPES)
    outcome: Literal["prohibited", "review", "admitted"]
    message_zh: str
    message_en: str
    details: list[str] = []
    enabled: bool = True

    @field_validator("title_zh", "title_en", "source", "message_zh", "message_en")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be blank: write the text (for source, the policy "
                             "citation as written)")
        return v

    @field_validator("layer", "unless_within", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("layer", "unless_within")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        return [get_kind(kind).id for kind in v]  # InputError is a ValueError

    @field_validator("when")
    @classmethod
    def _when(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, value in v.items():
            _check_when(key, value)
        if isinstance(v.get("replacement_scheme_date"), dict):
            op, bound = next(iter(v["replacement_scheme_date"].items()))
            v = {**v, "replacement_scheme_date": {op: str(bound)}}
        return v

    _regions = field_validator("in_region")(
        classmethod(lambda cls, v: _all_in(v, sorted(REGION_FILES), "region")))
    _categories = field_validator("major_categories")(
        classmethod(lambda cls, v: _all_in(v, MAJOR_CATEGORIES, "national-major category")))
    _major_types = field_validator("major_types")(
        classmethod(lambda cls, v: _all_in(v, TYPES, "project type")))

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.confidence == "?" and self.outcome != "review":
            raise ValueError("a rule of confidence '?' may only have outcome 'review' "
                             f"(found {self.outcome!r}); make it 'review' with the clause text")
        if self.relation == "none":
            if self.layer:
                raise ValueError("relation 'none' takes no layer")
        elif not self.layer:
            raise ValueError(f"relation {self.relation!r} needs a layer kind (key 'layer')")
        if (self.relation == "within_distance") != (self.distance_m is not None):
            raise ValueError("distance_m is required with relation 'within_distance' and only "
                             "valid with it")
        if self.min_share and self.relation != "intersects":
            raise ValueError("min_share is only valid with relation 'intersects'")
        attributes: dict[str, Any] = {}
        for kind in self.layer:
            attributes.update(get_kind(kind).attributes)
        for key in list(self.filter) + self.details:
            if key not in attributes:
                raise ValueError(choice_error(f"attribute of {'/'.join(self.layer) or 'layer'}",
                                              key, sorted(attributes)))
        for key, value in self.filter.items():
            if isinstance(value, dict):
                if len(value) != 1 or next(iter(value)) not in _PROJECT_OPS:
                    raise ValueError(f"filter {key!r}: a table must be one of "
                                     f"{{ contains_project = \"industry\" }} or "
                                     f"{{ lacks_project = \"industry\" }}; found {value}")
                if attributes[key].type != "list":
                    raise ValueError(f"filter {key!r}: contains_project/lacks_project need a "
                                     "list attribute")
                continue
            allowed = attributes[key].allowed
            for item in value if isinstance(value, list) else [value]:
                if allowed is not None and item not in allowed:
                    raise ValueError(f"filter {key!r}: " + choice_error(
                        f"value of {key}", item, [str(a) for a in allowed]))
        return self

    def message(self, lang: str = "en") -> str:
        """The rule's message in ``zh`` or ``en``."""
        return self.message_zh if lang == "zh" else self.message_en

    def source_text(self, lang: str = "en") -> str:
        """The rule's source as shown in ``lang``: ``source_en`` under ``en`` where the source is
        the tool's own principle (fail closed) rather than a citation quoted as written."""
        return self.source_en if lang == "en" and self.source_en else self.source

    def title(self, lang: str = "en") -> str:
        """The rule's title in ``zh`` or ``en``."""
        return self.title_zh if lang == "zh" else self.title_en


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
