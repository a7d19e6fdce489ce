"""The facts of one screening run and a rule's three-valued conditions on them.

:class:`Kind` holds the features of a layer kind and their pairs with the footprints;
:class:`Context` everything a rule is evaluated against. :func:`project_condition` and
:func:`feature_condition` turn a rule's ``except_if``/``require_any``/``when``/``in_region`` and
its ``filter`` into :class:`geo.facts.Tri` arrays (yes, no or unknown with the reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import facts
from geo.facts import F, Tri
from geo.rules import Rule
from layers.kinds import get_kind


@dataclass
class Kind:
    """The features of one layer kind (all its usable layers) and their pairs with the projects.

    Attributes
    ----------
    features : GeoDataFrame or None
        Every feature with ``layer_id``, ``kind``, ``_dim`` (dimension) and ``_accuracy_m``; None
        when no usable layer of the kind exists.
    missing : str
        Why the kind is missing or unusable (``""`` when present).
    pairs : DataFrame or None
        :func:`geo.overlay.overlay_pairs` of the footprints with ``features`` (with geometry),
        plus ``edge_m`` (feature boundary inside the footprint [m]).
    """

    features: gpd.GeoDataFrame | None
    missing: str = ""
    pairs: pd.DataFrame | None = None
    _cache: dict = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        """A feature column as an object array (cached)."""
        if name not in self._cache:
            self._cache[name] = self.features[name].to_numpy(dtype=object)
        return self._cache[name]

    def unknown_reason(self, attr: str) -> np.ndarray:
        """Per feature, why ``attr`` is unknown (from the ``_unknown`` column of C1)."""
        key = ("_reason", attr)
        if key not in self._cache:
            why = self.features["_unknown"].map(
                lambda d: d.get(attr, "") if isinstance(d, dict) else "")
            why = why.where(why != "", f"{attr} unknown").to_numpy(dtype=object)
            self._cache[key] = why
        return self._cache[key]


@dataclass
class Context:
    """Everything a rule is evaluated against (one screening run)."""

    p: pd.DataFrame
    ok: np.ndarray
    fp: np.ndarray
    dims: np.ndarray
    size: np.ndarray
    kinds: dict[str, Kind]
    regions: dict[str, Tri]
    lang: str = "en"
    _claims: dict = field(default_factory=dict)
    _unions: dict = field(default_factory=dict)

    @property
    def measure(self) -> tuple[np.ndarray, np.ndarray]:
        """``(dims, size)`` of the footprints, as :func:`geo.measure.footprint_measure` gives
        them (for the overlay functions, which then do not measure them again)."""
        return self.dims, self.size

    def covered(self, pairs: pd.DataFrame) -> np.ndarray:
        """:func:`geo.overlay.covered_share` of the footprints by ``pairs`` (overlay pairs with
        geometry), each union of a footprint's intersections made once in the run."""
        from geo.overlay import covered_share

        return covered_share(self.fp, pairs, self.measure, self._unions)

    def fact(self, rule: Rule, name: str) -> tuple[Tri, np.ndarray | None]:
        """A project fact of ``except_if`` / ``require_any`` and the claim text it shows."""
        if name == "national_major":
            key = (name, tuple(rule.major_categories), tuple(rule.major_types))
            if key not in self._claims:
                self._claims[key] = facts.national_major(self.p, rule.major_categories,
                                                         rule.major_types, self.lang)
            return self._claims[key]
        if name == "allowed_activity":
            if name not in self._claims:
                self._claims[name] = facts.allowed_activity(self.p, self.dims, self.fp,
                                                              self.lang)
            return self._claims[name]
        return facts.flag(self.p, name, self.lang), None

    def condition(self, name: str, spec) -> Tri:
        """:func:`geo.facts.condition` of a ``when`` condition, made once in the run (rules
        share their conditions)."""
        key = ("when", name, repr(spec))
        if key not in self._claims:
            self._claims[key] = facts.condition(self.p, name, spec, self.lang)
        return self._claims[key]


def selected(rule: Rule, p: pd.DataFrame, ok: np.ndarray) -> np.ndarray:
    """Projects the rule's selectors (types, industries, 两高) pick, without the facts."""
    a = rule.applies_to
    selectors = []
    if a.types:
        selectors.append(p["type"].isin(a.types).to_numpy())
    if a.industries:
        selectors.append(p["industry"].isin(a.industries).to_numpy())
    if a.two_high is not None:  # unknown 两高 is picked; project_condition makes it review
        known = p["two_high"].notna().to_numpy()
        truth = p["two_high"].where(p["two_high"].notna(), False).astype(bool).to_numpy()
        selectors.append(~known | (truth == a.two_high))
    mask = np.logical_or.reduce(selectors) if selectors else np.ones(len(p), dtype=bool)
    mask &= ~p["type"].isin(a.except_types).to_numpy()
    for value in rule.filter.values():
        if isinstance(value, dict):  # contains_project / lacks_project need the attribute
            mask &= (p[next(iter(value.values()))].fillna("").astype(str) != "").to_numpy()
    return mask & ok


def _two_high_unknown(rule: Rule, ctx: Context) -> Tri:
    """Unknown where the rule picks a project only because its 两高 is unknown, else yes."""
    a, p = rule.applies_to, ctx.p
    other = np.zeros(len(p), dtype=bool)
    if a.types:
        other |= p["type"].isin(a.types).to_numpy()
    if a.industries:
        other |= p["industry"].isin(a.industries).to_numpy()
    unknown = p["two_high"].isna().to_numpy() & ~other
    return facts.from_values(unknown, ~unknown, True, facts.two_high_reason(p, ctx.lang))


def project_condition(rule: Rule, ctx: Context) -> tuple[Tri, np.ndarray]:
    """The rule's project facts as one :class:`Tri`, and the claim texts for the evidence."""
    n = len(ctx.p)
    cond = Tri.const(n)
    notes = np.full(n, "", dtype=object)

    def note(text):  # joined only where there is a claim (most projects have none)
        if text is not None:
            text = np.asarray(text, dtype=object)
            at = np.flatnonzero(text != "")
            notes[at] = np.where(notes[at] == "", text[at], notes[at] + "; " + text[at])

    a = rule.applies_to
    if a.two_high is not None:  # picked only for an unknown 两高: the rule is unknown there
        cond = cond & _two_high_unknown(rule, ctx)
    for name in a.except_if:
        tri, text = ctx.fact(rule, name)
        cond = cond & ~tri
        note(text)
    if a.require_any:
        anyof = Tri.const(n, F)
        for name in a.require_any:
            tri, text = ctx.fact(rule, name)
            anyof = anyof | tri
            note(text)
        cond = cond & anyof
    for name, spec in rule.when.items():
        cond = cond & ctx.condition(name, spec)
    for region, wanted in rule.in_region.items():
        tri = ctx.regions[region]
        cond = cond & (tri if wanted else ~tri)
    return cond, notes.astype(object)


def feature_condition(rule: Rule, kd: Kind, feature: np.ndarray, project: np.ndarray,
                      p: pd.DataFrame, lang: str) -> Tri:
    """The rule's ``filter`` on the features of pairs (positions ``feature``, ``project``)."""
    out = Tri.const(len(feature))
    if not rule.filter or not len(feature):
        return out
    kind = get_kind(kd.features["kind"].iloc[0])
    ids = kd.column("id")[feature].astype(str).astype(object)
    layer = kd.column("layer_id")[feature].astype(str).astype(object)
    desc = kind.label(lang) + " " + ids + " (" + layer + "): "
    for key, value in rule.filter.items():
        col = kd.column(key)[feature]
        known = np.array(pd.notna(pd.Series(col, dtype=object)).to_numpy(), dtype=bool)
        if isinstance(value, dict):
            op, attr = next(iter(value.items()))
            inside = _contains(kd, key, feature, p[attr].fillna("").astype(str).to_numpy()[
                project])
            truth = inside if op == "contains_project" else ~inside
        elif isinstance(value, list):
            truth = pd.Series(col, dtype=object).isin(value).to_numpy()
        else:
            truth = pd.Series(col, dtype=object).eq(value).to_numpy()
        why = desc + kd.unknown_reason(key)[feature]
        out = out & facts.from_values(col, known, truth & known, why)
    return out


def _contains(kd: Kind, key: str, feature: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether each pair's project value is in its feature's list attribute (a merge, no loop)."""
    cache = ("_exploded", key)
    if cache not in kd._cache:
        lists = pd.Series(kd.column(key), dtype=object).map(
            lambda v: v if isinstance(v, list) else [])
        kd._cache[cache] = lists.explode().dropna().rename("item").rename_axis(
            "feature").reset_index()
    exploded = kd._cache[cache]
    pairs = pd.DataFrame({"feature": feature, "item": values, "pair": np.arange(len(feature))})
    hit = pairs.merge(exploded, on=["feature", "item"], how="inner")["pair"].to_numpy()
    out = np.zeros(len(feature), dtype=bool)
    out[hit] = True
    return out
