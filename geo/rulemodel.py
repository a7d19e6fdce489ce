"""The rule model: one rule of a rule set, validated by pydantic (its keys are described in
:mod:`geo.rules`), with the outcomes, facts and flags rules may use."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geo.projects import COMPONENTS, INDUSTRIES, MAJOR_CATEGORIES, NUMBERS, TYPES
from geo.projects import FLAGS as PROJECT_FLAGS
from geo.regions import REGION_FILES
from layers.errors import choice_error
from layers.kinds import get_kind

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
