"""What a site may claim: the reason/notes appender the stages share, no usable land for a site
excluded or not judged, a capacity too large for one plant (``review``), and the sites wholly
outside the catalog's coverage (``review``: not measured against its features nor scored), a
site whose slope or elevation is unknown (``review``: no DEM, or outside it); and
the last stage, which keeps the summable columns for the sites counted in the totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from layers.errors import bi


def append(df: pd.DataFrame, mask, text, col: str = "reason") -> None:
    """Append ``text`` (one text, or one per row in ``mask``) to column ``col``
    ("; "-separated) of the rows in ``mask``, in one assignment."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return
    values = df[col].to_numpy(dtype=object).copy()
    old = values[mask]
    new = np.asarray(text, dtype=object) if not isinstance(text, str) else text
    filled = np.array([bool(v) and v == v for v in old], dtype=bool)  # not blank, not NaN
    values[mask] = np.where(filled, old.astype(str) + "; " + new, new)
    df[col] = values


def say(run, key: str, text: str) -> None:
    """A run-wide warning: in the report's notes and, as ``run.meta[key]``, on the terminal."""
    run.notes.append(text)
    run.meta[key] = text


def usable(sites) -> pd.Series:
    """The sites whose status is ``usable``."""
    return sites["status"] == "usable"


def withdraw_usable(df: pd.DataFrame, mask, refused: bool = False) -> None:
    """No usable land for the sites in ``mask`` (made ``excluded`` or ``error`` after the
    exclusions): ``usable_area_ha`` 0, ``usable_geometry`` empty, and the reason says how much
    land the exclusion layers had left and why it is not counted.

    ``refused``: the sites were refused for their input (a repeated id, a feature the reader
    could not place), not after being judged: the reason then speaks of the site's land, not of
    what "the exclusions left" (which was never the point of judging them).

    An excluded site has no usable land and a site that could not be judged has none that can be
    shown; every output (sites.csv, usable.geojson, the report, the map) reads these two columns.
    """
    mask = np.asarray(mask, dtype=bool) & (df["usable_area_ha"].to_numpy(float) > 0)
    if not mask.any():
        return
    left = df.loc[mask, "usable_area_ha"].to_numpy(float)
    error = (df.loc[mask, "status"] == "error").to_numpy()
    if refused:
        append(df, mask, [f"not judged: its {a:.2f} ha are not counted as usable / 未评估，"
                          f"其 {a:.2f} ha 不计入可用地" for a in left])
    else:
        append(df, mask, np.where(
            error,
            [f"not judged: the {a:.2f} ha left by the exclusions are not counted as usable / "
             f"无法评估，剩余 {a:.2f} ha 不计入可用地" for a in left],
            [f"whole site excluded: the {a:.2f} ha left by the exclusions are not counted as "
             f"usable / 整个地块排除，剩余 {a:.2f} ha 不计入可用地" for a in left]))
    df.loc[mask, "usable_area_ha"] = 0.0
    geoms = df["usable_geometry"].to_numpy(dtype=object).copy()
    geoms[mask] = shapely.MultiPolygon()
    df["usable_geometry"] = geoms
    for c in ("density_penalty_ha", "_lost_ha"):
        if c in df.columns:
            df.loc[mask & df[c].notna().to_numpy(), c] = 0.0


def wholly_outside(sites) -> pd.Series:
    """The sites whose whole candidate lies outside the catalog's coverage."""
    out, cand = sites["outside_coverage_ha"], sites["candidate_area_ha"]
    return (out > 0) & (out >= cand * (1 - 1e-9))


def outside_review(df: pd.DataFrame, run, words: str) -> None:
    """A site wholly outside the catalog's coverage goes to ``review``, not ``excluded``.

    Nothing was checked there (no zoning layer says anything outside the coverage), so
    ``excluded`` — which a reviewer may sign as "excluded by zoning" — would be a verdict the data
    do not allow. Like a site too large for one plant it is neither ranked nor counted in the
    totals, the supply curve or the rank stability; its reason says why and what to do.
    ``run.meta["wholly_outside"]`` holds the text the command warns with.

    Parameters
    ----------
    df : DataFrame
        The sites after the exclusions (``outside_coverage_ha``, ``candidate_area_ha`` [ha]).
    run : Run
    words : str
        How the coverage was found, e.g. "the admin boundaries / 行政区划边界".
    """
    hit = (wholly_outside(df) & (df["status"] != "error")).to_numpy()
    if not hit.any():
        return
    df.loc[hit, "reason"] = [
        f"wholly outside the layers' coverage ({words}): all its {a:.2f} ha (100.0% of the "
        "candidate) lie where no zoning layer says anything, so nothing could be checked there; "
        "not judged, not ranked, not counted in the totals — screen it with a catalog that "
        f"covers it / 整个地块（{a:.2f} ha）位于图层目录覆盖范围之外，未能核查任何管控图层，未评估、"
        "未排名、未计入合计，请使用覆盖该地的图层目录审查"
        for a in df.loc[hit, "candidate_area_ha"].to_numpy(float)]
    df.loc[hit, "status"] = "review"
    append(df, hit, "outside the layers' coverage: not checked / 超出图层覆盖范围，未核查",
           "notes")
    ids = ", ".join(df.loc[hit, "site_id"].astype(str).tolist()[:5]) + (" …" if hit.sum() > 5
                                                                        else "")
    say(run, "wholly_outside", bi(
        f"{int(hit.sum())} site(s) wholly outside the catalog's coverage ({ids}): nothing could "
        "be checked there; sent to review, not ranked nor counted in the totals — screen them "
        "with a catalog that covers them",
        f"{int(hit.sum())} 个地块整体位于图层目录覆盖范围之外（{ids}）：未核查，已转为需人工核查，"
        "未排名、未计入合计，请使用覆盖该地的图层目录审查"))


def partly_outside(df: pd.DataFrame, run, words: dict) -> None:
    """Warn about the sites partly outside the catalog's coverage (those wholly outside have
    their own warning, :func:`outside_review`): that land is not counted as usable. The warning,
    ``run.meta["outside_coverage"]``, names the sites and the hectares outside [ha] in both
    languages; ``words`` says how the coverage was found (``{"en": ..., "zh": ...}``)."""
    hit = (df["outside_coverage_ha"].to_numpy() > 0) & ~wholly_outside(df).to_numpy()
    if not hit.any():
        return
    part = df.loc[hit, ["site_id", "outside_coverage_ha"]].head(5)
    more = " …" if hit.sum() > 5 else ""
    en = ", ".join(f"{s} {a:,.2f} ha" for s, a in part.itertuples(index=False)) + more
    zh = "、".join(f"{s} {a:,.2f} ha" for s, a in part.itertuples(index=False)) + more
    say(run, "outside_coverage", bi(
        f"{int(hit.sum())} site(s) partly outside the catalog's coverage ({words['en']}): {en} "
        "not counted as usable (no zoning layer was checked there; see each site's reason)",
        f"{int(hit.sum())} 个地块部分超出图层目录覆盖范围（{words['zh']}）：{zh} 未核查任何管控图层，"
        "不计入可用地（见各地块原因）"))


def too_large(df: pd.DataFrame, run) -> None:
    """A usable site whose capacity exceeds the profile's ``max_plant_mw`` [MW] goes to
    ``review``: it is not taken for one plant on one grid connection, so it is neither ranked nor
    counted in the totals or the supply curve until it is split (a mis-drawn polygon must not head
    the ranking). The reason and the site's ``notes`` say so; ``run.meta["too_large"]`` holds the
    text the command warns with. Its usable area and capacity stay, for the reviewer."""
    limit = run.profile.max_plant_mw
    hit = (usable(df) & (df["capacity_mw"] > limit)).to_numpy()
    if not hit.any():
        return
    cap, ha = df.loc[hit, "capacity_mw"].to_numpy(float), df.loc[hit, "usable_area_ha"]
    append(df, hit, [
        f"implausibly large for one plant: {c:,.0f} MW on {a:,.0f} ha usable > max_plant_mw "
        f"{limit:g} MW (one grid connection); not ranked — split the polygon into plants or "
        f"check it by hand / 容量 {c:,.0f} MW 超过单个电站上限 {limit:g} MW，疑为误绘地块，"
        "未排名，请拆分或人工核查" for c, a in zip(cap, ha)])
    append(df, hit, f"larger than one plant (> {limit:g} MW): not ranked / 超过单个电站容量上限，"
           "未排名", "notes")
    df.loc[hit, "status"] = "review"
    ids = ", ".join(df.loc[hit, "site_id"].astype(str).tolist()[:5])
    text = (f"{int(hit.sum())} site(s) larger than one plant (capacity > max_plant_mw "
            f"{limit:g} MW; {ids}{' …' if hit.sum() > 5 else ''}): sent to review, not ranked "
            "nor counted in the totals — split them into plants / 地块容量超过单个电站上限，"
            "已转为需人工核查，未排名、未计入合计，请拆分")
    say(run, "too_large", text)


OVERLAP_MIN_HA = 0.01
"""Shared usable land [ha] below which two sites are taken as touching, not overlapping."""


def overlapping(df: pd.DataFrame, run) -> None:
    """Flag usable sites whose usable land overlaps another's: each is scored as a plant of its
    own, so the totals count the shared land twice. For PV its capacity too (arrays cover each
    site's usable land), in the totals and the supply curve; for wind not: the turbines of
    different sites keep the spacing (:func:`geo.layout.keep_spacing` drops a later site's
    turbines that stand too close), so only the usable area is counted twice. Both sites'
    ``notes`` name the other and the shared area; ``run.meta["overlapping"]`` holds the text the
    command warns with. The sites stay ranked: which one to keep is the planner's choice."""
    idx = np.flatnonzero(usable(df).to_numpy())
    if len(idx) < 2:
        return
    geoms = df["usable_geometry"].to_numpy(dtype=object)[idx]
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if not len(a):
        return
    from geo.exclusion import true_area_factor

    k = true_area_factor(geoms[a], getattr(df, "crs", None))  # on the ellipsoid, as the areas
    shared = shapely.area(shapely.intersection(geoms[a], geoms[b])) * k / 10_000
    big = shared >= OVERLAP_MIN_HA
    a, b, shared = idx[a[big]], idx[b[big]], shared[big]
    if not len(a):
        return
    ids = df["site_id"].astype(str).to_numpy()
    wind = getattr(run, "tech", None) == "wind"
    counted = (("the usable area total counts it twice (not the capacity: the turbines of the "
                "two sites keep the spacing)", "可用地面积合计重复计算（装机未重复：两地块风机已按间距"
                "布置）") if wind else ("the totals count it twice", "合计重复计算"))
    texts: dict[int, list[str]] = {}  # per site, its pairs' notes in pair order
    for i, j, ha in zip(a, b, shared):
        for me, other in ((i, j), (j, i)):
            texts.setdefault(int(me), []).append(
                f"usable land overlaps {ids[other]} by {ha:,.2f} ha: {counted[0]} — keep one / "
                f"可用地与 {ids[other]} 重叠 {ha:,.2f} ha，{counted[1]}")
    rows = np.array(sorted(texts), dtype=int)
    mask = np.zeros(len(df), dtype=bool)
    mask[rows] = True
    append(df, mask, ["; ".join(texts[r]) for r in rows], "notes")  # one assignment
    pairs = ", ".join(f"{ids[i]}+{ids[j]}" for i, j in list(zip(a, b))[:5]) + (
        " …" if len(a) > 5 else "")
    if wind:
        en = ("the usable area total counts it twice; capacity, generation and the supply curve "
              "do not (the turbines of different sites keep the spacing)")
        zh = "可用地面积合计重复计算；装机、发电量与供给曲线未重复计算（不同地块的风机已按间距布置）"
    else:
        en, zh = "the totals and the supply curve count it twice", "合计与供给曲线重复计算"
    say(run, "overlapping", bi(
        f"{len(a)} pair(s) of sites share usable land ({pairs}; {shared.sum():,.2f} ha): {en} "
        "— keep one site of each pair",
        f"{len(a)} 对地块可用地重叠（{pairs}；{shared.sum():,.2f} ha）：{zh}，每对只保留一个地块"))


def repaired_outlines(sites, run):
    """A stage: a user outline the reader repaired (make_valid; column
    :data:`layers.hygiene.REPAIRED`) was not scored on the shape that was drawn — a bow-tie of two
    swapped vertices becomes two triangles of half the area. It goes to ``review`` (not ranked,
    not in the totals; a site already excluded or in error keeps that status) and every row's
    reason says where the outline crossed itself, the parts and area of the repaired shape, and
    to check it; ``run.meta["repaired"]`` holds the text the command warns with, naming each
    site's status."""
    from layers.errors import halves
    from layers.hygiene import REPAIRED

    df = sites.copy()
    if REPAIRED not in df.columns:
        return df
    note = df[REPAIRED].fillna("").astype(str).to_numpy(dtype=object)
    hit = note != ""
    if not hit.any():
        return df
    parts = shapely.get_num_geometries(np.asarray(df.geometry.values, dtype=object)[hit])
    area = df.loc[hit, "candidate_area_ha"].to_numpy(float)
    append(df, hit, [
        f"outline repaired: {en}; the repaired shape ({k} part{'s' if k != 1 else ''}, {a:,.1f} "
        f"ha) may not be what was drawn — not ranked; check the outline / 边界已自动修复（"
        f"{zh or en}；修复后 {k} 块，{a:,.1f} ha），可能并非原绘边界，未排名，请核对边界"
        for (en, zh), k, a in zip(map(halves, note[hit]), parts, area)])
    append(df, hit, "outline repaired: not ranked / 边界已修复，未排名", "notes")
    to_review = hit & df["status"].isin(("usable", "too_small")).to_numpy()
    df.loc[to_review, "status"] = "review"
    say(run, "repaired", _repaired_note(df.loc[hit, ["site_id", "status"]],
                                        df.loc[to_review, "site_id"]))
    return df


_STATUS_ZH = {"review": "需人工核查", "excluded": "已排除", "error": "出错"}


def _repaired_note(sites: pd.DataFrame, sent) -> str:
    """The run-wide warning of :func:`repaired_outlines`: each repaired site with what actually
    happened to it — sent to review, or the stricter status it already had (``excluded``,
    ``error``), which holds."""
    def ids(values):
        values = [str(v) for v in values]
        return ", ".join(values[:5]) + (" …" if len(values) > 5 else "")

    sent = set(sent.astype(str))
    to_review = sites["site_id"].astype(str).isin(sent).to_numpy()
    en = [f"{ids(sites.loc[to_review, 'site_id'])}: sent to review"] if to_review.any() else []
    zh = [f"{ids(sites.loc[to_review, 'site_id'])} 转为需人工核查"] if to_review.any() else []
    kept = sites[~to_review]
    for status, group in kept.groupby("status", sort=True):
        en.append(f"{ids(group['site_id'])}: status {status}, a stricter finding holds")
        zh.append(f"{ids(group['site_id'])} 状态为“{_STATUS_ZH.get(status, status)}”，"
                  "更严格的结论优先")
    return (f"{len(sites)} site(s) with an outline that crosses itself, repaired with make_valid, "
            f"not ranked nor counted in the totals: {'; '.join(en)} — check the outline (two "
            f"vertices swapped?) / {len(sites)} 个地块边界自相交，已自动修复，未排名、未计入合计："
            f"{'；'.join(zh)}。请核对边界（是否有两个界址点顺序颠倒）")


TOTALS = ("turbines", "capacity_mw", "generation_mwh", "co2_t", "co2_national_t",
          "co2_fossil_t", "so2_kg", "nox_kg", "pm_kg", "coal_tce")
"""Columns a planner sums (the report's totals, the supply curve): held by counted sites only."""

IF_CLEARED = {"capacity_mw": "capacity_if_cleared_mw",
              "generation_mwh": "generation_if_cleared_mwh"}
"""Where a ``review`` site's potential goes (what it would add once its check is cleared)."""


def counted_only(sites, run):
    """The last stage: the summable columns (:data:`TOTALS`) hold values only for ``usable``
    sites, those counted in the totals, so that a column summed in a spreadsheet equals the
    report's total; a ``review`` site's capacity [MW] and generation [MWh/yr] move to
    ``capacity_if_cleared_mw`` / ``generation_if_cleared_mwh`` (blank for every other site).

    Parameters
    ----------
    sites : GeoDataFrame
        The site table after the co-benefits stage.
    run : geo.siting.Run

    Returns
    -------
    GeoDataFrame
        A copy with the two ``*_if_cleared_*`` columns and the :data:`TOTALS` blank (NaN) where
        the status is not ``usable``.
    """
    df = sites.copy()
    counted = usable(df).to_numpy()
    review = (df["status"] == "review").to_numpy()
    for col, new in IF_CLEARED.items():
        df[new] = np.where(review, df[col].to_numpy(float), np.nan)
    for col in TOTALS:
        if col in df.columns:
            df[col] = np.where(counted, df[col].to_numpy(float), np.nan)
    return df


DEM_FACTS = ("slope_mean", "slope_max", "elevation")
"""The site facts read from the DEM (:func:`geo.zonal.dem_stats`)."""


def terrain_needed(run) -> list[str]:
    """The DEM facts the run's verdicts need: those of its limits and criteria, the mean slope
    for PV (the density falls on steep ground) and, for wind with the air-density correction, the
    elevation."""
    prof = run.profile
    need = {k for k in (*prof.limits, *prof.criteria) if k in DEM_FACTS}
    if run.tech == "pv":
        need.add("slope_mean")
    elif getattr(prof.energy, "air_density_correction", False):
        need.add("elevation")
    return [k for k in DEM_FACTS if k in need]


def terrain_unknown(df: pd.DataFrame, mask, run) -> np.ndarray:
    """Usable sites whose slope or elevation is unknown go to ``review`` ("unknown never passes").

    Without a DEM in the catalog, or on a site outside the DEM's extent or on its nodata, the
    slope limit cannot be checked and the PV density on steep ground is unknown: such a site is
    neither let through the limit nor given the flat-ground capacity. Its reason names the
    missing facts and the fix, its ``notes`` flag it; ``run.meta["terrain_unknown"]`` holds the
    text the command warns with (once) and ``run.meta["limits_not_checked"]`` maps each limit
    not checked to ``{"sites": n, "no_dem": bool}`` for the report.

    Parameters
    ----------
    df : DataFrame
        The sites after the criteria (``slope_mean`` [°], ``slope_max`` [°], ``elevation`` [m]);
        changed in place.
    mask : array_like of bool
        The sites still usable.
    run : Run

    Returns
    -------
    ndarray of bool
        The sites sent to review.
    """
    need = terrain_needed(run)
    mask = np.asarray(mask, dtype=bool)
    if not need:
        return np.zeros(len(df), dtype=bool)
    unknown = df[need].isna().to_numpy()
    hit = mask & unknown.any(axis=1)
    if not hit.any():
        return hit
    no_dem = run.catalog.raster("dem") is None
    names = [", ".join(k for k, u in zip(need, row) if u) for row in unknown[hit]]
    limits = [k for k in need if k in run.profile.limits]
    unchecked = (f"the limit(s) {', '.join(limits)} not checked and " if limits else "")
    unchecked_zh = "未核查坡度限值，" if limits else ""
    cap = "the capacity not computed"
    if no_dem:
        why_en, why_zh = "no DEM in the catalog", "图层目录缺少 DEM 高程数据"
        fix_en, fix_zh = ("add a `dem` raster layer to the catalog",
                          "请在图层目录中添加 dem 栅格图层")
    else:
        why_en, why_zh = ("the site lies outside the DEM's extent or on its nodata",
                          "地块超出高程数据（DEM）范围或无有效值")
        fix_en, fix_zh = "use a DEM that covers the site", "请使用覆盖该地块的高程数据"
    append(df, hit, [f"{n} unknown: {why_en}; {unchecked}{cap} (not taken as flat ground); "
                     f"not ranked — {fix_en} / 坡度或高程未知：{why_zh}，{unchecked_zh}"
                     f"未按平地计算装机，未排名，{fix_zh}" for n in names])
    append(df, hit, f"slope not checked ({why_en}) / 坡度未核查（{why_zh}）", "notes")
    df.loc[hit, "status"] = "review"
    run.meta["limits_not_checked"] = {
        k: {"sites": int((hit & df[k].isna().to_numpy()).sum()), "no_dem": no_dem}
        for k in limits}
    ids = ", ".join(df.loc[hit, "site_id"].astype(str).tolist()[:5])
    say(run, "terrain_unknown", (
        f"{int(hit.sum())} site(s) with unknown slope/elevation ({why_en}; {ids}"
        f"{' …' if hit.sum() > 5 else ''}): {unchecked}{cap}; sent to review, not ranked nor "
        f"counted in the totals — {fix_en} / 坡度或高程未知（{why_zh}），{unchecked_zh}"
        f"已转为需人工核查，未排名、未计入合计，{fix_zh}"))
    return hit
