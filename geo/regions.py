"""Regions a rule may depend on: the Yangtze River Economic Belt, the key air-pollution regions,
the provinces of the North-East key state forest areas and of the Yellow River basin.

Each region is a dated data file in ``geo/data`` listing GB/T 2260 admin codes (provinces,
prefectures or counties). A project's admin code comes from :func:`layers.regions.admin_codes_at`
(the catalog's admin boundaries, else its ``[region]``); membership is three-valued: a project
whose code is unknown, or known only to a coarser level than the region's list, is *unknown*.
The key air-pollution regions are read from a ``key_air_region`` layer instead when the catalog
has one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from geo.facts import F, T, Tri, U
from layers.errors import choice_error

DATA_DIR = Path(__file__).with_name("data")
REGION_FILES: dict[str, str] = {
    "yangtze_economic_belt": "yangtze_economic_belt.toml",
    "key_air_region": "key_air_regions.toml",
    "northeast_state_forest": "key_state_forest_regions.toml",
    "yellow_river_provinces": "yellow_river_provinces.toml",
}
"""Region id → data file in ``geo/data``."""


@dataclass(frozen=True)
class Region:
    """A region as listed in its data file.

    Attributes
    ----------
    id, name_zh, name_en, source, as_of : str
    codes : tuple of str
        The significant prefixes of the listed admin codes (``"52"`` for a province,
        ``"1301"`` for a prefecture, ``"419001"`` for a county-level unit).
    """

    id: str
    name_zh: str
    name_en: str
    source: str
    as_of: str
    codes: tuple[str, ...]

    def name(self, lang: str = "en") -> str:
        """The region's name in ``zh`` or ``en``."""
        return self.name_zh if lang == "zh" else self.name_en


def significant(code: str) -> str:
    """The significant prefix of an admin code: ``"520000"`` → ``"52"``, ``"520100"`` →
    ``"5201"``; codes of 2 or 4 digits are kept."""
    code = str(code).strip()
    if len(code) == 6 and code.isdigit():
        for _ in range(2):
            if code.endswith("00"):
                code = code[:-2]
    return code


@cache
def load_region(region_id: str) -> Region:
    """The region ``region_id`` (see :data:`REGION_FILES`)."""
    if region_id not in REGION_FILES:
        raise ValueError(choice_error("region", region_id, sorted(REGION_FILES)))
    raw = tomllib.loads((DATA_DIR / REGION_FILES[region_id]).read_text(encoding="utf-8"))
    head = raw["region"]
    codes = list(raw.get("province", {}))
    for part in raw.get("part", []):
        codes += part["codes"]
    return Region(head["id"], head["name_zh"], head["name_en"], head["source"],
                  str(head["as_of"]), tuple(sorted({significant(c) for c in codes})))


def membership(region: Region, admin_codes, lang: str = "en") -> Tri:
    """Whether each admin code lies in ``region`` (three-valued, with reasons).

    Parameters
    ----------
    region : Region
    admin_codes : sequence of str
        ``""`` where the code is unknown.
    """
    codes = pd.Series(np.asarray(admin_codes, dtype=object)).fillna("").astype(str)
    uniq = codes.unique()
    value = {}
    for code in uniq:
        sig = significant(code)
        if not sig:
            value[code] = U
        elif any(sig.startswith(c) for c in region.codes):
            value[code] = T
        elif any(c.startswith(sig) for c in region.codes):
            value[code] = U
        else:
            value[code] = F
    v = codes.map(value).to_numpy(dtype=np.int8)
    name = region.name(lang)
    if lang == "zh":
        unknown = f"项目所在行政区划未知，无法判定是否位于{name}：请在图层目录中提供 admin_boundary 图层或 [region] 的 province/admin_code"
        coarse = f"仅知项目所在省份（{{code}}），而{name}只列出该省部分地市：请提供含县级代码的 admin_boundary 图层"
    else:
        unknown = (f"the project's admin area is unknown, so membership of the {name} cannot "
                   "be decided: add an admin_boundary layer or [region] province/admin_code to "
                   "the catalog")
        coarse = (f"only the project's province is known ({{code}}) and the {name} lists only "
                  "some of its prefectures: add an admin_boundary layer with county codes")
    parts = coarse.split("{code}")
    why = np.where(codes.to_numpy() == "", unknown,
                   parts[0] + codes.to_numpy().astype(object) + parts[1])
    return Tri(v, np.where(v == U, why, "").astype(object))


def layer_membership(features, fp) -> Tri:
    """Membership from a ``key_air_region`` layer: yes where a footprint meets a feature."""
    import shapely

    fp = np.asarray(fp, dtype=object)
    out = np.full(len(fp), F, dtype=np.int8)
    usable = ~(shapely.is_missing(fp) | shapely.is_empty(fp))
    if len(features) and usable.any():
        tree = shapely.STRtree(np.asarray(features, dtype=object))
        idx = np.flatnonzero(usable)
        pi, _ = tree.query(fp[idx], predicate="intersects")
        out[idx[np.unique(pi)]] = T
    return Tri(out)
