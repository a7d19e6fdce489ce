"""Siting profiles: which land is excluded, how criteria are valued and weighted, energy settings.

A profile is a TOML file (defaults ``geo/profiles/pv.toml`` and ``geo/profiles/wind.toml``),
validated once at load; an unknown key or a bad value raises :class:`ProfileError` naming the file
and the key. See the default files for every key with its source or reason.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from layers.errors import ProfileError, choice_error, validation_messages
from layers.kinds import get_kind, layer_kinds

PROFILE_DIR = Path(__file__).with_name("profiles")
TECHS = ("pv", "wind")
DEGRADED_KINDS = ("abandoned_mine", "subsidence_area", "closed_landfill", "contaminated_site",
                  "slag_heap")
CRITERIA = ("ghi", "wind_speed", "slope_mean", "slope_max", "elevation", "dist_substation",
            "dist_road", "dist_settlement", "land_type")
CRITERION_UNITS = {"ghi": "kWh/m²/yr", "wind_speed": "m/s", "slope_mean": "°", "slope_max": "°",
                   "elevation": "m", "dist_substation": "km", "dist_road": "km",
                   "dist_settlement": "km", "land_type": "0-1"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Exclusion(_Model):
    """Exclude every feature of ``kind`` (optionally filtered by attributes) plus a buffer [m]."""

    kind: str
    buffer_m: float = Field(0.0, ge=0)
    where: dict[str, list[Any]] = {}
    id: str = ""

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return get_kind(v).id  # InputError is a ValueError: pydantic reports it

    @model_validator(mode="after")
    def _check(self) -> Exclusion:
        attrs = layer_kinds()[self.kind].attributes
        for key in self.where:
            if key not in attrs:
                raise ValueError(choice_error(f"attribute of kind {self.kind}", key, sorted(attrs)))
        if not self.id:
            object.__setattr__(self, "id", self.kind if not self.buffer_m
                               else f"{self.kind}_{self.buffer_m:g}m")
        return self


class Criterion(_Model):
    """A criterion's piecewise-linear value function ``points`` [[x, value 0-1], ...] and weight."""

    points: list[tuple[float, float]]
    weight: float | None = Field(None, ge=0)

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
    turbine_type: str = "E-141/4200"
    hub_height_m: float = Field(120.0, gt=0)
    reference_height_m: float = Field(100.0, gt=0)
    shear_exponent: float = Field(0.143, ge=0, le=1)
    weibull_k: float = Field(2.0, gt=0)
    spacing_downwind_d: float = Field(7.0, gt=0)
    spacing_crosswind_d: float = Field(5.0, gt=0)
    density_mw_per_km2: float | None = Field(None, gt=0)
    wind_losses_percent: float = Field(15.0, ge=0, lt=100)
    air_density_correction: bool = True


class Profile(_Model):
    """A validated siting profile."""

    tech: Literal["pv", "wind"]
    name: str = ""
    min_usable_area_ha: float = Field(1.0, ge=0)
    top_n: int = Field(10, ge=1)
    mc_runs: int = Field(1000, ge=10)
    mc_perturbation: float = Field(0.2, ge=0, lt=1)
    seed: int = 42
    grid_region: str = "national"
    class_thresholds: tuple[float, float, float] = (75.0, 50.0, 25.0)
    exclusion: list[Exclusion] = []
    limits: dict[str, Limit] = {}
    criteria: dict[str, Criterion] = {}
    land_type: dict[str, float] = {}
    ahp: AHP | None = None
    energy: Energy = Energy()
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
        f"{path}, key {'.'.join(map(str, loc)) or '(profile)'!r}: {msg}"
        for loc, msg in validation_messages(exc, "see geo/profiles/pv.toml for the valid keys"))


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
            if not Path(profile).exists():
                raise ProfileError(f"{where}: profile file not found")
            try:
                raw = tomllib.loads(Path(profile).read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ProfileError(f"{where}: not valid TOML ({exc})") from None
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
