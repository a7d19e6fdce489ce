"""``siting map``: draw a catalog's layers alone, before any analysis."""

from __future__ import annotations

from pathlib import Path

import click

from layers.errors import InputError
from maps.cli.options import check_basemap, lang_option, overwrite_option


@click.command("map")
@click.argument("catalog", required=False, type=click.Path(dir_okay=False))
@click.option("--demo", is_flag=True, help="Use the bundled Guiyang demo catalog / 使用贵阳示例数据.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False),
              help="Output HTML file / 输出 HTML 文件.")
@lang_option
@click.option("--basemap", type=click.Choice(["osm", "tianditu", "amap", "none"]), default="osm",
              show_default=True,
              help="Basemap: OpenStreetMap, 天地图 (needs --tianditu-key), 高德 (GCJ-02: layers "
                   "are shifted to line up), or none / 底图.")
@click.option("--tianditu-key", default=None, envvar="TIANDITU_KEY",
              help="Your Tianditu key (or $TIANDITU_KEY); written into the HTML / 天地图密钥.")
@overwrite_option
def map_command(catalog: str | None, demo: bool, out: str, lang: str, basemap: str,
                tianditu_key: str | None, overwrite: bool) -> None:
    """Draw every layer of CATALOG on an offline HTML map / 绘制图层目录的全部图层.

    The map works with no network (only basemap tiles need one): styled layers by kind, a
    bilingual legend, layer control, measure, minimap, search and drawing with GeoJSON export
    (screen a drawn footprint with `siting screen drawn.geojson`).
    """
    from layers.catalog import load_catalog
    from maps.base import finish_map
    from maps.catalog_map import catalog_map
    from maps.cli import notices
    from maps.cli.outputs import catalog_inputs, destination
    from maps.cli.staging import write_files

    if demo == bool(catalog):
        raise click.UsageError("give a CATALOG file or --demo (not both)")
    if demo:
        from layers.demo import DEMO_CATALOG

        catalog = str(DEMO_CATALOG)
    check_basemap(basemap, tianditu_key)
    out_path = Path(out)
    try:
        cat = load_catalog(catalog)
        dest = destination(out_path, "map", [out_path.name], inputs=catalog_inputs(cat),
                           overwrite=overwrite, single_file=True)
        with notices.held_warnings() as held:
            m = catalog_map(cat, lang, basemap, tianditu_key)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    notices.echo_problems(notices.catalog_problems(cat), held, lang=lang)
    write_files(dest, [(out_path.name, lambda path: finish_map(m, path))])
    out_path = dest.folder / out_path.name
    size = out_path.stat().st_size / 1e6
    click.echo(f"{'地图' if lang == 'zh' else 'Map'}: {out_path} ({size:.2f} MB)")
