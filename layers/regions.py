"""Where a geometry lies administratively: the admin code (GB/T 2260) and its province.

Rules (the Yangtze Economic Belt, key air-pollution regions) and siting (the regional grid's
emission factor) depend on the province or city a project or site lies in. The answer comes from
the catalog's ``admin_boundary`` layers (the feature covering the largest share of the geometry),
else from the catalog's ``[region]`` table (``admin_code`` or ``province``), else it is unknown
(an empty string) and the caller must treat it as unknown, never as "not in the region".
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

PROVINCES_FILE = Path(__file__).parent / "data" / "provinces.toml"


@cache
def provinces() -> dict[str, dict[str, str]]:
    """Provincial-level divisions: ``{"52": {"zh": "贵州省", "en": "Guizhou"}, ...}``."""
    return tomllib.loads(PROVINCES_FILE.read_text(encoding="utf-8"))["province"]


def province_code(value: object) -> str:
    """The two-digit province code of an admin code, a province code or a province name.

    Parameters
    ----------
    value : str or int
        ``"520102"``, ``"52"``, ``52``, ``"贵州省"``, ``"贵州"`` or ``"Guizhou"``.

    Returns
    -------
    str
        The two-digit code, or ``""`` when the value names no province.
    """
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    table = provinces()
    if text.isdigit():
        return text[:2] if len(text) >= 2 and text[:2] in table else ""
    low = text.lower()
    for code, names in table.items():
        zh = names["zh"]
        short = zh.removesuffix("省").removesuffix("市")
        for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区"):
            short = short.removesuffix(suffix)
        if text in (zh, short) or low == names["en"].lower():
            return code
    return ""


def province_label(code: str, lang: str = "en") -> str:
    """The name of a province code in ``zh`` or ``en`` (``""`` for an unknown code)."""
    entry = provinces().get(str(code)[:2]) if code else None
    return "" if entry is None else entry["zh" if lang == "zh" else "en"]


def admin_codes_at(catalog, geoms, crs) -> pd.DataFrame:
    """The admin code and province of each geometry.

    Parameters
    ----------
    catalog : layers.catalog.Catalog
        Its ``admin_boundary`` layers (attribute ``admin_code``) and ``[region]`` table.
    geoms : array of shapely geometries
        In ``crs``; missing or empty geometries get an unknown code.
    crs : pyproj.CRS
        A metric CRS (the caller's working CRS).

    Returns
    -------
    DataFrame
        One row per geometry, in order: ``admin_code`` (the code of the admin feature covering
        the largest part of the geometry, ``""`` when none), ``province`` (two digits, ``""``
        when unknown) and ``how`` (``"admin_boundary"``, ``"region"`` or ``""``).
    """
    g = np.asarray(geoms, dtype=object)
    n = len(g)
    code = np.full(n, "", dtype=object)
    how = np.full(n, "", dtype=object)
    usable = ~(shapely.is_missing(g) | shapely.is_empty(g)) if n else np.zeros(0, dtype=bool)
    frames = [d.gdf for d in catalog.layers_of("admin_boundary", crs) if d.usable]
    if frames and usable.any():
        admin = pd.concat(frames, ignore_index=True)
        codes = admin["admin_code"].astype(object).where(admin["admin_code"].notna(), "")
        codes = codes.astype(str).to_numpy()
        tree = shapely.STRtree(admin.geometry.values)
        idx = np.flatnonzero(usable)
        pi, fi = tree.query(g[idx], predicate="intersects")
        if len(pi):
            a, b = g[idx][pi], admin.geometry.values[fi]
            dims = shapely.get_dimensions(a)
            inter = shapely.intersection(a, b)
            size = np.where(dims == 2, shapely.area(inter),
                            np.where(dims == 1, shapely.length(inter), 1.0))
            best = pd.DataFrame({"p": idx[pi], "code": codes[fi], "size": size})
            best = best[best["code"] != ""].sort_values(["p", "size"], ascending=[True, False],
                                                        kind="stable").drop_duplicates("p")
            code[best["p"].to_numpy()] = best["code"].to_numpy()
            how[best["p"].to_numpy()] = "admin_boundary"
    region = getattr(catalog, "region", {}) or {}
    fallback = str(region.get("admin_code") or "").strip() or province_code(
        region.get("province"))
    if fallback:
        rest = usable & (code == "")
        code[rest] = fallback
        how[rest] = "region"
    province = np.array([province_code(c) for c in code], dtype=object)
    return pd.DataFrame({"admin_code": code, "province": province, "how": how})
