"""``siting score``: rank degraded land for PV or wind and write tables, a map and a report."""

from __future__ import annotations

from pathlib import Path

import click

from maps.cli.options import (
    basemap_options,
    check_basemap,
    lang_option,
    overwrite_option,
    prepare_out_dir,
)


def write_outputs(sites, out: Path, catalog, lang: str, basemap: str = "osm",
                  tianditu_key: str | None = None) -> None:
    """Write sites.csv, sites.geojson (EPSG:4326), sites.xlsx, usable.geojson, map.html and
    report.html."""
    from maps.base import finish_map
    from maps.siting_map import siting_map
    from maps.siting_report import render_report

    table = sites.drop(columns=["geometry", "usable_geometry"])
    table.to_csv(out / "sites.csv", index=False, encoding="utf-8-sig")
    table.to_excel(out / "sites.xlsx", index=False, sheet_name=f"{sites.attrs['siting']['tech']}")
    geo = sites.drop(columns=["usable_geometry"]).to_crs("EPSG:4326")
    geo.to_file(out / "sites.geojson", driver="GeoJSON")
    from maps.qgis import write_styled_gpkg  # QGIS: same colours as map.html (+ .qml beside)

    write_styled_gpkg(geo, out / "sites.gpkg", "sites", "class", lang)
    usable = sites.drop(columns=["geometry"]).set_geometry("usable_geometry")
    usable = usable[["site_id", "status", "usable_area_ha", "score", "usable_geometry"]]
    usable.to_crs("EPSG:4326").to_file(out / "usable.geojson", driver="GeoJSON")
    finish_map(siting_map(sites, catalog, lang, basemap, tianditu_key), out / "map.html")
    (out / "report.html").write_text(render_report(sites, lang), encoding="utf-8")


@click.command("score")
@click.option("--catalog", "catalog_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Catalog TOML of the region / 图层目录.")
@click.option("--demo", is_flag=True, help="Use the bundled demo region / 使用示例区域.")
@click.option("--tech", type=click.Choice(["pv", "wind"]), required=True,
              help="Technology / 技术类型.")
@click.option("--profile", type=click.Path(dir_okay=False, path_type=Path),
              help="Siting profile TOML (default: geo/profiles/<tech>.toml) / 选址参数文件.")
@click.option("--candidates", type=click.Path(dir_okay=False, path_type=Path),
              help="Your own candidate polygons instead of the catalog's degraded land.")
@click.option("--grid-region", default=None,
              help="Grid CO2 factor region (national, north, northeast, east, central, "
                   "northwest, south, southwest) / 电网排放因子区域.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Output folder / 输出目录.")
@click.option("--top", default=5, show_default=True, help="Sites to print.")
@lang_option
@basemap_options
@overwrite_option
def score(catalog_path, demo, tech, profile, candidates, grid_region, out, top, lang, basemap,
          tianditu_key, overwrite):
    """Score and rank degraded land for PV or wind / 退化土地光伏、风电选址评分.

    \b
    siting score --catalog region.toml --tech pv --out out/
    siting score --demo --tech wind --out out/
    """
    if demo == bool(catalog_path):
        raise click.BadParameter("give exactly one of --catalog or --demo / 请指定 --catalog 或 "
                                 "--demo 之一", param_hint="--catalog")
    for p, hint in ((catalog_path, "--catalog"), (profile, "--profile"),
                    (candidates, "--candidates")):
        if p is not None and not Path(p).exists():
            raise click.BadParameter(f"{p}: file not found / 文件不存在", param_hint=hint)
    check_basemap(basemap, tianditu_key)
    import geo
    from layers.catalog import load_catalog
    from layers.errors import InputError

    if demo:
        from layers.demo import DEMO_CATALOG

        catalog_path = DEMO_CATALOG
    try:
        cat = load_catalog(catalog_path)
        sites = geo.score_sites(cat, tech, profile=profile, candidates=candidates,
                                grid_region=grid_region)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None  # exit code 2, no traceback
    out = prepare_out_dir(out, overwrite)
    write_outputs(sites, out, cat, lang, basemap, tianditu_key)
    counts = sites["status"].value_counts().to_dict()
    click.echo(f"{len(sites)} candidates: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    best = sites[sites["status"] == "usable"].sort_values(["rank", "site_id"]).head(top)
    for _, r in best.iterrows():
        click.echo(f"  #{int(r['rank'])} {r['site_id']} {r['name']}  score {r['score']:.1f} "
                   f"({r['class']})  {r['capacity_mw']:.1f} MW  {r['generation_mwh']:,.0f} MWh/yr"
                   f"  P(top {sites.attrs['siting']['profile_data']['top_n']}) "
                   f"{r['top_n_probability']:.2f}")
    click.echo(f"→ {out}")
