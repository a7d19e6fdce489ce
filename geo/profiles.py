"""Siting profiles: which land is excluded, how criteria are valued and weighted, energy settings.

A profile is a TOML file (defaults ``geo/profiles/pv.toml`` and ``geo/profiles/wind.toml``),
validated once at load; an unknown key or a bad value raises :class:`ProfileError` naming the file
and the key. See the default files for every key with its source or reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from layers.errors import ProfileError, choice_error, framed, validation_messages
from layers.kinds import get_kind, layer_kinds
from layers.tomlfile import load_toml

PROFILE_DIR = Path(__file__).with_name("profiles")
TECHS = ("pv", "wind")
DEGRADED_KINDS = ("abandoned_mine", "subsidence_area", "closed_landfill", "contaminated_site",
                  "slag_heap")
CRITERIA = ("ghi", "wind_speed", "slope_mean", "slope_max", "elevation", "dist_substation",
            "dist_road", "dist_settlement", "land_type", "site_condition", "lcoe_cny_mwh")
CRITERION_UNITS = {"ghi": "kWh/m²/yr", "wind_speed": "m/s", "slope_mean": "°", "slope_max": "°",
                   "elevation": "m", "dist_substation": "km", "dist_road": "km",
                   "dist_settlement": "km", "land_type": "0-1", "site_condition": "0-1",
                   "lcoe_cny_mwh": "CNY/MWh"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _KindFilter(_Model):
    """Features of ``kind`` whose attributes take one of the listed values (all keys must match).

    A feature whose deciding attribute is unknown (None) is treated as matching: fail closed.
    """

    kind: str
    where: dict[str, list[Any]] = {}
    id: str = ""

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return get_kind(v).id  # InputError is a ValueError: pydantic reports it

    @model_validator(mode="after")
    def _check_where(self) -> _KindFilter:
        attrs = layer_kinds()[self.kind].attributes
        for key, values in self.where.items():
            if key not in attrs:
                raise ValueError(choice_error(f"attribute of kind {self.kind}", key, sorted(attrs)))
            for v in values:
                try:
                    attrs[key].coerce(v)
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"where.{key}: {exc}") from None
        return self


class Exclusion(_KindFilter):
    """Exclude the (filtered) features of ``kind`` plus a setback [m]:
    ``buffer_m + setback_tip_heights × tip height`` (tip height = hub height + rotor radius)."""

    buffer_m: float = Field(0.0, ge=0)
    setback_tip_heights: float = Field(0.0, ge=0)

    @model_validator(mode="after")
    def _default_id(self) -> Exclusion:
        if not self.id:
            parts = [self.kind] + ([f"{self.buffer_m:g}m"] if self.buffer_m else []) + (
                [f"{self.setback_tip_heights:g}tip"] if self.setback_tip_heights else [])
            object.__setattr__(self, "id", "_".join(parts))
        return self

    def setback_m(self, tip_height_m: float = 0.0) -> float:
        """The buffer [m] for a turbine of tip height ``tip_height_m`` [m]."""
        return self.buffer_m + self.setback_tip_heights * tip_height_m


class DensityPenalty(_KindFilter):
    """Land of ``kind`` (filtered) that stays usable at a reduced PV density: capacity there is
    multiplied by ``factor`` (e.g. 林光互补 arrays on shrub forest land)."""

    factor: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _default_id(self) -> DensityPenalty:
        if not self.id:
            object.__setattr__(self, "id", f"{self.kind}_density")
        return self


class Assessment(_KindFilter):
    """Land of ``kind`` (filtered) that needs an assessment before it can be used: a site whose
    usable land lies on it goes to ``review`` (not ranked, not in the totals) with the reason
    ``reason_en`` / ``reason_zh`` (what is due) and the policy ``source``. A feature whose
    deciding attribute is unknown counts (unknown never passes); where every feature a site
    meets is such, the reason is ``reason_unknown_en`` / ``reason_unknown_zh`` when given (it
    must not assert the bad value, only that it may hold)."""

    source: str = Field(min_length=1)
    reason_en: str = Field(min_length=1)
    reason_zh: str = Field(min_length=1)
    reason_unknown_en: str | None = Field(None, min_length=1)
    reason_unknown_zh: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _default_id(self) -> Assessment:
        if not self.id:
            object.__setattr__(self, "id", f"{self.kind}_assessment")
        return self


class Approval(_KindFilter):
    """Land of ``kind`` (filtered) a site may use only with an approval (e.g. forest land with
    the forestry authority's consent): unlike an assessment the site stays ranked (an approval is
    not a bar), but its ``notes`` name the land class (the ``describe`` attributes of the
    features), the hectares of usable land on it, what is needed (``approval_en`` /
    ``approval_zh``) and the ``source``. A feature whose deciding attribute is unknown counts."""

    describe: list[str] = []
    source: str = Field(min_length=1)
    approval_en: str = Field(min_length=1)
    approval_zh: str = Field(min_length=1)

    @model_validator(mode="after")
    def _default_id(self) -> Approval:
        if not self.id:
            object.__setattr__(self, "id", f"{self.kind}_approval")
        attrs = layer_kinds()[self.kind].attributes
        for key in self.describe:
            if key not in attrs:
                raise ValueError(choice_error(f"attribute of kind {self.kind}", key, sorted(attrs)))
        return self


class Criterion(_Model):
    """A criterion's piecewise-linear value function ``points`` [[x, value 0-1], ...] and weight."""

    points: list[tuple[float, float]]
    weight: float | None = Field(None, ge=0)
    uncertainty: float = Field(0.0, ge=0)   # 1 sigma of the raw value [criterion units]

    @field_validator("points")
    @classmethod
    def _points(cls, v: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if len(v) < 2:
            raise ValueError("a value function needs at least two [x, value] points")
        xs = [p[0] for p in v]
        if any(b <= a for a, b in zip(xs, xs[1:])):
            raise ValueError(f"x values must increase strictly, found {xs}")
        if any(not 0 <= p[1] <= 1 for p in v):
            raise ValueError("values must lie in 0..1")
        return v


class AHP(_Model):
    """A pairwise comparison matrix over ``criteria`` (Saaty's 1-9 scale)."""

    criteria: list[str]
    matrix: list[list[float]]


class Limit(_Model):
    """Hard limits on a criterion: a site outside [min, max] is excluded."""

    min: float | None = None
    max: float | None = None


class Energy(_Model):
    """Capacity and energy settings (see the default profiles for sources)."""

    # PV
    density_mwp_per_ha: float = Field(0.5, gt=0)
    slope_full_density_deg: float = Field(5.0, ge=0)
    slope_density_factor_at_limit: float = Field(0.6, gt=0, le=1)
    slope_limit_deg: float = Field(15.0, gt=0)
    tilt_deg: float | Literal["latitude"] = "latitude"
    azimuth_deg: float = 180.0
    albedo: float = Field(0.2, ge=0, le=1)
    gamma_pdc: float = -0.0035
    temp_air_c: float = 15.0
    wind_speed_ms: float = 1.0
    losses_percent: float = Field(14.08, ge=0, lt=100)
    dc_ac_ratio: float = Field(1.2, gt=0)
    inverter_efficiency: float = Field(0.96, gt=0, le=1)
    # wind
    turbine_type: str = "S152/6330"
    hub_height_m: float = Field(125.0, gt=0)
    reference_height_m: float = Field(100.0, gt=0)
    shear_exponent: float = Field(0.143, ge=0, le=1)
    weibull_k: float = Field(2.0, gt=0)
    spacing_downwind_d: float = Field(7.0, gt=0)
    spacing_crosswind_d: float = Field(5.0, gt=0)
    wind_direction_deg: float = Field(45.0, ge=0, lt=360)
    foundation_radius_m: float = Field(25.0, ge=0)
    wake_losses_percent: float = Field(8.0, ge=0, lt=100)
    wind_losses_percent: float = Field(7.0, ge=0, lt=100)
    air_density_correction: bool = True


class SiteConditions(_Model):
    """What the degraded land's own facts do to a site: ``"limit"`` excludes it, a number 0-1 is
    the ``site_condition`` criterion value; an unknown fact gets ``unknown_value`` and a flag."""

    unstable_subsidence: float | Literal["limit"] = "limit"
    recent_landfill: float | Literal["limit"] = "limit"
    registered_contaminated: float | Literal["limit"] = "limit"
    landfill_min_years_closed: int = Field(5, ge=0)
    assessment_year: int | None = Field(None, ge=1900, le=2200)
    unknown_value: float = Field(0.0, ge=0, le=1)

    @field_validator("unstable_subsidence", "recent_landfill", "registered_contaminated")
    @classmethod
    def _unit(cls, v):
        if not isinstance(v, str) and not 0 <= v <= 1:
            raise ValueError(f"must be \"limit\" or a value in 0..1, found {v}")
        return v


class Cost(_Model):
    """Economics for the levelised cost of electricity (see the default profiles for sources)."""

    capex_cny_per_kw: float = Field(gt=0)
    fixed_om_cny_per_kw_yr: float = Field(ge=0)
    discount_rate: float = Field(gt=0, lt=1)
    lifetime_years: int = Field(gt=0, le=60)
    route_factor: float = Field(1.3, ge=1)


class Profile(_Model):
    """A validated siting profile."""

    tech: Literal["pv", "wind"]
    name: str = ""
    min_usable_area_ha: float = Field(1.0, ge=0)
    max_plant_mw: float = Field(1000.0, gt=0)
    top_n: int = Field(10, ge=1)
    mc_runs: int = Field(1000, ge=10)
    mc_concentration: float = Field(20.0, gt=0)
    seed: int = 42
    grid_region: str | None = None
    class_thresholds: tuple[float, float, float] = (75.0, 50.0, 25.0)
    exclusion: list[Exclusion] = []
    density_penalty: list[DensityPenalty] = []
    assessment: list[Assessment] = []
    approval: list[Approval] = []
    limits: dict[str, Limit] = {}
    criteria: dict[str, Criterion] = {}
    land_type: dict[str, float] = {}
    ahp: AHP | None = None
    energy: Energy = Energy()
    site_conditions: SiteConditions = SiteConditions()
    cost: Cost | None = None
    notes: list[str] = []
    sources: dict[str, tuple[str, str]] = {}
    """(Chinese, English) source or tag of a parameter or an exclusion id, for the report."""
    path: str = ""

    @field_validator("criteria", "limits")
    @classmethod
    def _criteria_names(cls, v: dict) -> dict:
        for key in v:
            if key not in CRITERIA:
                raise ValueError(choice_error("criterion", key, CRITERIA))
        return v

    @field_validator("land_type")
    @classmethod
    def _land(cls, v: dict[str, float]) -> dict[str, float]:
        for key, val in v.items():
            if key not in (*DEGRADED_KINDS, "user"):
                raise ValueError(choice_error("land type", key, (*DEGRADED_KINDS, "user")))
            if not 0 <= val <= 1:
                raise ValueError(f"land type {key!r}: preference must lie in 0..1, found {val}")
        return v

    @model_validator(mode="after")
    def _rules(self) -> Profile:
        ids = [r.id for r in [*self.exclusion, *self.density_penalty, *self.assessment,
                              *self.approval]]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"exclusion/density_penalty/assessment/approval ids {dup} are not "
                             "unique; "
                             "give each rule its own id = \"...\"")
        if self.tech == "pv" and any(r.setback_tip_heights for r in self.exclusion):
            raise ValueError("setback_tip_heights needs a turbine: use buffer_m for pv")
        if self.tech == "wind" and self.density_penalty:
            raise ValueError("density_penalty applies to pv arrays; wind places whole turbines")
        if "lcoe_cny_mwh" in self.criteria and self.cost is None:
            raise ValueError("criterion 'lcoe_cny_mwh' needs a [cost] table")
        return self

    @model_validator(mode="after")
    def _weights(self) -> Profile:
        if not self.criteria:
            raise ValueError("a profile needs at least one criterion")
        if self.ahp is None and any(c.weight is None for c in self.criteria.values()):
            missing = [k for k, c in self.criteria.items() if c.weight is None]
            raise ValueError(f"criteria {missing} have no weight; give weights or an [ahp] matrix")
        if self.ahp is not None:
            unknown = [c for c in self.ahp.criteria if c not in self.criteria]
            if unknown or sorted(self.ahp.criteria) != sorted(self.criteria):
                raise ValueError(f"[ahp] criteria {self.ahp.criteria} must name exactly the "
                                 f"profile's criteria {sorted(self.criteria)}")
        return self

    def weights(self) -> tuple[dict[str, float], float | None]:
        """The normalised weights and the AHP consistency ratio (None for direct weights).

        Raises
        ------
        ProfileError
            For an invalid AHP matrix or one with CR > 0.1.
        """
        from geo.score import ahp_weights

        if self.ahp is None:
            w = {k: float(c.weight) for k, c in self.criteria.items()}
            total = sum(w.values())
            if total <= 0:
                raise ProfileError(f"{self.path or 'profile'}: weights sum to 0")
            return {k: v / total for k, v in w.items()}, None
        where = self.path or "profile"
        n = len(self.ahp.criteria)
        rows = self.ahp.matrix
        if len(rows) != n or any(len(r) != n for r in rows):
            raise ProfileError(f"{where}, key 'ahp.matrix': must be square {n} x {n} (one row and "
                               f"column per criterion {self.ahp.criteria}), found "
                               f"{[len(r) for r in rows]} entries per row")
        w, cr = ahp_weights(np.array(rows, dtype=float), where=where)
        return dict(zip(self.ahp.criteria, w.tolist())), cr


def _format(path: str, exc: ValidationError) -> str:
    return "\n".join(
        framed(msg, f"{path}, key {key!r}: {{}}", f"{path}，键 {key!r}：{{}}")
        for loc, msg in validation_messages(exc, "see geo/profiles/pv.toml for the valid keys")
        for key in ['.'.join(map(str, loc)) or '(profile)'])


def load_profile(profile: str | Path | dict | Profile | None = None, tech: str = "pv") -> Profile:
    """Load and validate a siting profile.

    Parameters
    ----------
    profile : path, dict, Profile or None
        A TOML file, an already-parsed dict, a Profile, or None for the default of ``tech``.
    tech : {"pv", "wind"}
        The technology; must match the profile's ``tech``.

    Raises
    ------
    ProfileError
        Naming the file and the key for every problem.
    """
    if tech not in TECHS:
        raise ProfileError(choice_error("technology", tech, TECHS))
    if isinstance(profile, Profile):
        out = profile
    else:
        if profile is None:
            profile = PROFILE_DIR / f"{tech}.toml"
        if isinstance(profile, dict):
            raw, where = dict(profile), "profile"
        else:
            where = str(profile)
            raw = load_toml(profile, ProfileError, "siting profile")
        raw.setdefault("path", where)
        try:
            out = Profile.model_validate(raw)
        except ValidationError as exc:
            raise ProfileError(_format(where, exc)) from None
    if out.tech != tech:
        raise ProfileError(f"{out.path}, key 'tech': profile is for {out.tech!r} but {tech!r} "
                           "was asked for")
    out.weights()  # validate the AHP matrix now, with the file named
    return out
