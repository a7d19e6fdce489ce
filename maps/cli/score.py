"""``siting score``: rank degraded land for PV or wind and write tables, a map and a report."""

from __future__ import annotations

from pathlib import Path

import click

from layers.errors import bi, halves, in_lang
from maps.cli.options import (
    AtLeast,
    basemap_options,
    check_basemap,
    lang_option,
    overwrite_option,
)
from maps.cli.screen import COORD_CHOICES, near_hints, refuse_misplaced

FILES = ("sites.csv", "supply_curve.csv", "sites.geojson", "sites.gpkg", "usable.geojson",
         "sites.xlsx", "report.html", "map.html", "turbines.geojson")
"""The files of ``siting score``, essential first (``turbines.geojson``: wind only)."""


def writers(sites, catalog, lang: str, basemap: str = "osm", tianditu_key: str | None = None,
            notes: list | None = None) -> list:
    """The files of ``siting score`` and how to write each, essential first.

    Returns
    -------
    list of (str, callable)
        :data:`FILES`, each with a function of the path to write, for
        :meth:`maps.cli.staging.Staging.write`; ``notes`` receives notes about what did not
        fit its medium.
    """
    from geo.columns import value_words
    from geo.cost import supply_curve
    from geo.layout import turbine_table
    from maps import style as st
    from maps.base import finish_map
    from maps.cli.tables import write_csv, write_geojson
    from maps.cli.workbook import labelled, write_xlsx
    from maps.qgis import write_styled_gpkg  # QGIS: the map's colours (+ .qml beside)
    from maps.siting_map import STATUS_LABELS, siting_map
    from maps.siting_report import render_report

    table = sites.drop(columns=["geometry", "usable_geometry"])
    usable = sites.drop(columns=["geometry"]).set_geometry("usable_geometry")
    usable = usable[["site_id", "status", "usable_area_ha", "score", "usable_geometry"]]
    notes = [] if notes is None else notes

    def xlsx(path):
        tech = sites.attrs["siting"]["tech"]
        words = {k: st.pick(v, lang) for k, v in STATUS_LABELS.items()}
        sheets = [(tech, labelled(table, {"status": words, **value_words(table.columns, "sites")},
                                  lang), "sites.csv")]
        notes.extend(f"sites.xlsx: {n}" for n in write_xlsx(
            path, sheets, "siting", lang=lang, describe={tech: _describer(sites)},
            found_in={tech: lambda c: "sites.csv, sites.geojson, sites.gpkg"}))

    files = list(zip(FILES, (
        lambda path: write_csv(path, table),
        lambda path: write_csv(path, supply_curve(sites)),
        lambda path: write_geojson(path, sites.drop(columns=["usable_geometry"])),
        lambda path: write_styled_gpkg(sites.drop(columns=["usable_geometry"]), path, "sites",
                                       "class", lang),
        lambda path: write_geojson(path, usable),
        xlsx,
        lambda path: path.write_text(render_report(sites, lang), encoding="utf-8"),
        lambda path: finish_map(siting_map(sites, catalog, lang, basemap, tianditu_key), path),
        lambda path: write_geojson(path, turbine_table(sites)))))
    return files if sites.attrs["siting"]["tech"] == "wind" else files[:-1]


def _describer(sites):
    """(unit, zh, en) of a column of ``sites``: as the result recorded it, else
    :func:`geo.columns.describe`; the ``score_*`` and ``excluded_*`` families by the profile's
    criteria and exclusion rules (``排除：林地（乔木林/竹林/其他林地）``)."""
    from geo.columns import describe

    meta = sites.attrs["siting"]
    known = meta.get("columns", {})
    rules = {e["id"]: e for e in meta.get("profile_data", {}).get("exclusion", []) if "id" in e}

    def words(column):
        if column.startswith(("score_", "excluded_")) or column not in known:
            return describe(column, rules)
        return tuple(known[column])
    return words


@click.command("score")
@click.option("--catalog", "catalog_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Catalog TOML of the region / 图层目录.")
@click.option("--demo", is_flag=True, help="Use the bundled demo region / 使用示例区域.")
@click.option("--tech", type=click.Choice(["pv", "wind"]), required=True,
              help="Technology / 技术类型.")
@click.option("--profile", type=click.Path(dir_okay=False, path_type=Path),
              help="Siting profile TOML (default: geo/profiles/<tech>.toml) / 选址参数文件.")
@click.option("--candidates", type=click.Path(dir_okay=False, path_type=Path),
              help="Your own candidate polygons instead of the catalog's degraded land (any "
                   "file `siting screen` reads: GPKG, SHP, GeoJSON, CSV/XLSX with WKT or "
                   "coordinates ...) / 自有候选地块.")
@click.option("--coords", type=click.Choice(COORD_CHOICES),
              help="What the --candidates coordinates are / 候选地块坐标系 (wgs84, gcj02, bd09, "
                   "cgcs2000).")
@click.option("--crs", metavar="CRS",
              help="CRS of a --candidates file that does not say it (a shapefile without .prj, "
                   "a CSV), e.g. EPSG:4490 or EPSG:4545 / 候选地块坐标系.")
@click.option("--layer", help="Layer or sheet inside the --candidates file / 图层或工作表.")
@click.option("--encoding",
              help="Text encoding of the --candidates file (utf-8, gb18030 ...) / 文件编码.")
@click.option("--grid-region", default=None,
              help="Grid CO2 factor region for every site (national, north, northeast, east, "
                   "central, northwest, south, southwest); default: each site's regional grid "
                   "from its province / 电网排放因子区域（默认按所在省份）.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder / 输出目录.")
@click.option("--top", default=5, show_default=True,
              type=AtLeast(0, "0 prints none", "0 表示不列出"),
              help="Sites to print (0: none).")
@lang_option
@basemap_options
@overwrite_option
def score(catalog_path, demo, tech, profile, candidates, coords, crs, layer, encoding,
          grid_region, out, top, lang, basemap, tianditu_key, overwrite):
    """Score and rank degraded land for PV or wind / 退化土地光伏、风电选址评分.

    \b
    siting score --catalog region.toml --tech pv --out out/
    siting score --demo --tech wind --out out/
    siting score --demo --tech pv --candidates parcels.csv --crs EPSG:4490 --out out/
    """
    if demo == bool(catalog_path):
        raise click.BadParameter("give exactly one of --catalog or --demo / 请指定 --catalog 或 "
                                 "--demo 之一", param_hint="--catalog")
    for p, hint in ((catalog_path, "--catalog"), (profile, "--profile"),
                    (candidates, "--candidates")):
        if p is not None and not Path(p).exists():
            raise click.BadParameter(f"{p}: file not found / 文件不存在", param_hint=hint)
    if candidates is None and (coords or crs or layer or encoding):
        raise click.UsageError("--coords, --crs, --layer and --encoding apply to a --candidates "
                               "file / 这些选项仅用于 --candidates 文件")
    check_basemap(basemap, tianditu_key)
    import geo
    from layers.catalog import load_catalog
    from layers.errors import InputError
    from maps.cli import notices
    from maps.cli.outputs import catalog_inputs, destination
    from maps.cli.staging import write_files

    if demo:
        from layers.demo import DEMO_CATALOG

        catalog_path = DEMO_CATALOG
    try:
        cat = load_catalog(catalog_path)
        dest = destination(out, "score", (*FILES, "sites*.qml"), overwrite=overwrite,
                           inputs=catalog_inputs(cat) + [p for p in (profile, candidates) if p])
        with notices.held_warnings() as held:
            given, problems = None, []
            if candidates is not None:
                from geo.candidates import read_candidates

                given, problems = read_candidates(candidates, coords, layer, crs, encoding,
                                                  hints=near_hints(cat))
                refuse_misplaced(cat, given, crs, coords, candidates)
            sites = geo.score_sites(cat, tech, profile=profile, candidates=given,
                                    grid_region=grid_region)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None  # exit code 2, no traceback
    said = notices.echo_problems([(str(candidates), problems)] * bool(problems)
                                 + notices.catalog_problems(cat), held, lang=lang)
    _unchecked(sites, cat, lang)
    _summary(sites, top, lang)
    notes: list[str] = []
    with notices.then_catalog_problems(cat, said, lang):  # layers first read to draw the map
        write_files(dest, writers(sites, cat, lang, basemap, tianditu_key, notes))
    for note in notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"→ {dest.folder}")


def _warn(message, lang: str) -> None:
    """A warning on stderr, in Chinese first under ``zh`` (``警告：中文 / English``)."""
    click.echo(f"警告：{in_lang(message, lang)}" if lang == "zh" and halves(message)[1] else
               f"warning: {message}", err=True)


def _unchecked(sites, catalog, lang: str = "en") -> None:
    """Warn on stderr about what the ranking did not check: exclusions and assessments whose
    layer is missing, land a layer does not cover (``covers``), land outside the catalog's
    coverage ("unknown never passes": never a silent pass); and about the sites sent to review
    (unknown slope: no DEM; assessment due, too large) or overlapping. Under ``zh`` a warning
    with a Chinese half reads in Chinese first."""
    meta = sites.attrs["siting"]
    missing = meta.get("not_checked") or []
    if missing:
        kinds = ", ".join(m["kind"] for m in missing)
        ids = ", ".join(repr(m["id"]) for m in missing)
        zh = "、".join(m["label_zh"] for m in missing)
        _warn(bi(f"{catalog.path}: no layer of kind {kinds}: the exclusion(s) {ids} were NOT "
                 "applied; every site is flagged 'not checked against' and the ranking is not a "
                 f"checked one", f"{catalog.path}：目录缺少{zh}图层，未执行排除规则 {ids}，"
                 "各地块均标注“未核查”，排名未经核查"), lang)
    if meta.get("outside_coverage"):
        _warn(meta["outside_coverage"], lang)
    keys = [k for k in meta if k.startswith(("assessment_missing_", "approval_missing_",
                                             "covers_"))]
    for key in ("wholly_outside", "terrain_unknown", "repaired", *keys, "assessment", "approval",
                "too_large",
                "overlapping", "turbine_spacing"):
        if meta.get(key):
            _warn(meta[key], lang)


_SUMMARY_WORDS = (
    {"check": "needs check by hand, not ranked / 需人工核查，未排名", "score": "score",
     "top": "P(top {n})", "band": "rank 5-95%", "factor": "grid CO2 factor",
     "cheapest": "cheapest sites / 度电成本最低 (LCOE incl. grid connection)",
     "cumulative": "cumulative"},
    {"check": "需人工核查，未排名", "score": "得分", "top": "进入前 {n} 名概率",
     "band": "排名 5–95% 区间", "factor": "电网排放因子", "cheapest": "度电成本最低的地块（含并网成本）",
     "cumulative": "累计"})
"""The summary's words under ``en`` and ``zh`` (index: ``lang == "zh"``)."""


def _summary(sites, top: int, lang: str = "en") -> None:
    """Print the status counts (in ``lang``), the sites that need a check by hand, the
    best-ranked and the cheapest sites."""
    from geo.cost import supply_curve
    from maps.siting_map import STATUS_LABELS
    from maps.siting_params import grid_factor_rows

    meta = sites.attrs["siting"]
    counts = sites["status"].value_counts().to_dict()
    words = {k: v[0] if lang == "zh" else v[1] for k, v in STATUS_LABELS.items()}
    click.echo(f"{len(sites)} {'个候选地块' if lang == 'zh' else 'candidates'}: "
               + ", ".join(f"{words.get(k, k)} {v}" for k, v in counts.items()))
    w = _SUMMARY_WORDS[lang == "zh"]
    check = sites[sites["status"] == "review"].sort_values("site_id")
    if len(check):
        click.echo(f"{w['check']}: " + ", ".join(check["site_id"].astype(str)))
    best = sites[sites["status"] == "usable"].sort_values(["rank", "site_id"]).head(top)
    n = meta["profile_data"]["top_n"]
    for _, r in best.iterrows():
        click.echo(f"  #{int(r['rank'])} {r['site_id']} {r['name']}  {w['score']} "
                   f"{r['score']:.1f} ({r['class']})  {r['capacity_mw']:.1f} MW  "
                   f"{r['generation_mwh']:,.0f} MWh/yr  {w['top'].format(n=n)} "
                   f"{r['top_n_probability']:.2f}  {w['band']} "
                   f"{r['rank_p05']:.0f}-{r['rank_p95']:.0f}")
    for _, text in grid_factor_rows(sites, meta, lang)[:-1]:   # the last: a comparison
        click.echo(f"{w['factor']}: {text.split(' — ')[0]}")
    curve = supply_curve(sites).dropna(subset=["supply_rank"]).head(top)
    if len(curve):
        click.echo(f"{w['cheapest']}:")
    for _, r in curve.iterrows():
        click.echo(f"  {r['site_id']} {r['name']}  {r['lcoe_cny_mwh']:,.0f} CNY/MWh  "
                   f"{r['capacity_mw']:.1f} MW  {r['grid_kv']:g} kV {r['grid_distance_km']:.1f} km"
                   f"  {w['cumulative']} {r['cumulative_capacity_mw']:,.1f} MW "
                   f"{r['cumulative_generation_mwh']:,.0f} MWh/yr")
