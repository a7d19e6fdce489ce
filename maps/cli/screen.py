"""``siting screen``: screen a list of projects against a catalog with a rule set.

Writes ``screening.csv``, ``screening_hits.csv``, ``screening.geojson`` (EPSG:4326),
``screening.gpkg`` (styled for QGIS, with ``.qml`` files), ``screening.xlsx``, ``report.html``
and ``map.html`` into ``--out``.
"""

from __future__ import annotations

from pathlib import Path

import click

from layers.errors import InputError
from maps.cli.options import (
    basemap_options,
    check_basemap,
    lang_option,
    overwrite_option,
    prepare_out_dir,
)

COORD_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")
TYPE_CHOICES = ("pv", "wind", "industrial", "infrastructure", "mining", "tourism", "restoration",
                "other")
SUMMARY_COLUMNS = ("project_id", "name", "type", "industry", "verdict", "reasons",
                   "n_prohibited", "n_review")


def write_outputs(result, hits, out: Path, catalog=None, lang: str = "zh", basemap: str = "osm",
                  tianditu_key: str | None = None) -> dict[str, Path]:
    """Write every screening output into the folder ``out``; return {name: path}.

    Parameters
    ----------
    result, hits
        The two tables returned by :func:`geo.screen`.
    out : Path
        An existing folder.
    catalog : Catalog, optional
        Used to draw the zoning layers on the map.
    basemap, tianditu_key
        Basemap of ``map.html`` (see :func:`maps.base.new_map`).
    """
    import geopandas as gpd
    import pandas as pd

    from geo.screen import HIT_COLUMNS
    from layers.crs import WGS84
    from maps.base import finish_map
    from maps.screening_map import screening_map
    from maps.screening_report import write_report

    paths = {name: out / name for name in ("screening.csv", "screening_hits.csv",
                                           "screening.geojson", "screening.xlsx",
                                           "report.html", "map.html")}
    table = pd.DataFrame(result.drop(columns=result.geometry.name))
    table[list(SUMMARY_COLUMNS)].to_csv(paths["screening.csv"], index=False, encoding="utf-8-sig")
    hits[list(HIT_COLUMNS)].to_csv(paths["screening_hits.csv"], index=False,
                                   encoding="utf-8-sig")
    flat = table.map(lambda v: v if isinstance(v, str | int | float | bool) or v is None
                     else str(v))
    geo = gpd.GeoDataFrame(flat, geometry=result.geometry.values, crs=result.crs).to_crs(WGS84)
    geo.to_file(paths["screening.geojson"], driver="GeoJSON")
    from maps.qgis import write_styled_gpkg  # QGIS: same colours as map.html (+ .qml beside)

    write_styled_gpkg(geo, out / "screening.gpkg", "screening", "verdict", lang)
    extra = [c for c in ("confidence", "title", "source") if c in hits.columns]
    with pd.ExcelWriter(paths["screening.xlsx"], engine="openpyxl") as xl:
        flat.to_excel(xl, sheet_name="screening", index=False)
        hits[list(HIT_COLUMNS) + extra].to_excel(xl, sheet_name="hits", index=False)
    write_report(result, hits, paths["report.html"], lang)
    finish_map(screening_map(result, hits, catalog, lang, basemap, tianditu_key),
               paths["map.html"])
    return paths


def run_screen(projects_path: Path, catalog, rules, out: Path, coords: str | None,
               defaults: dict, lang: str, layer: str | None = None, encoding: str | None = None,
               basemap: str = "osm", tianditu_key: str | None = None):
    """Read, screen and write one project file; return the two tables."""
    from geo.projects import read_projects
    from maps.progress import screen_with_progress

    projects, problems = read_projects(projects_path, coords=coords, layer=layer,
                                       encoding=encoding, defaults=defaults)
    for problem in problems:
        if problem.severity == "error":
            click.echo(f"{projects_path.name}: {problem}", err=True)
    result, hits = screen_with_progress(projects, catalog, rules, lang=lang)  # bar on a tty
    write_outputs(result, hits, out, catalog, lang, basemap, tianditu_key)
    return result, hits


def _counts(result, lang: str) -> str:
    from maps.screening_report import LABELS

    counts = result["verdict"].value_counts()
    return ", ".join(f"{LABELS[lang][v]} {int(counts.get(v, 0))}"
                     for v in ("prohibited", "review", "admitted", "error"))


@click.command("screen")
@click.argument("projects", required=False, type=click.Path(path_type=Path))
@click.option("--catalog", type=click.Path(path_type=Path), help="Catalog TOML / 图层目录.")
@click.option("--rules", "rules", multiple=True,
              help="Rule set name or file; repeat to extend (--rules national --rules x.toml).")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--coords", type=click.Choice(COORD_CHOICES),
              help="What the input coordinates are / 输入坐标系 (wgs84, gcj02, bd09, cgcs2000).")
@click.option("--type", "ptype", type=click.Choice(TYPE_CHOICES),
              help="Project type for files without attributes / 项目类型.")
@click.option("--industry", help="Industry for files without attributes / 行业.")
@click.option("--name", help="Project name for files without attributes / 项目名称.")
@click.option("--layer", help="Layer or sheet inside the project file.")
@click.option("--encoding", help="Text encoding of the project file (utf-8, gb18030 ...).")
@click.option("--demo", is_flag=True, help="Screen the bundled Guiyang demo / 运行贵阳示例.")
@lang_option
@basemap_options
@overwrite_option
def screen(projects: Path | None, catalog: Path | None, rules: tuple[str, ...], out: Path,
           coords: str | None, ptype: str | None, industry: str | None, name: str | None,
           layer: str | None, encoding: str | None, demo: bool, lang: str, basemap: str,
           tianditu_key: str | None, overwrite: bool) -> None:
    """Screen PROJECTS against a CATALOG's zoning layers / 项目生态环境准入审查.

    \b
    siting screen projects.gpkg --catalog catalog.toml --out result/
    siting screen parcels.csv --coords gcj02 --type pv --catalog c.toml --out r/
    siting screen --demo --out demo-out/
    """
    if demo == bool(projects):
        raise click.UsageError("give a PROJECTS file or --demo (not both)")
    if not demo and catalog is None:
        raise click.UsageError("--catalog is required (or use --demo)")
    from geo.rules import load_rules
    from layers.catalog import load_catalog

    defaults = {"type": ptype, "industry": industry, "name": name}
    check_basemap(basemap, tianditu_key)
    maps = {"basemap": basemap, "tianditu_key": tianditu_key}
    try:
        rule_set = load_rules(list(rules) or None)
        if demo:
            _demo(rule_set, out, lang, overwrite, maps)
            return
        cat = load_catalog(catalog)
        if not projects.exists():
            raise click.BadParameter(f"{projects}: file not found", param_hint="PROJECTS")
        out = prepare_out_dir(out, overwrite)
        result, _ = run_screen(projects, cat, rule_set, out, coords, defaults, lang, layer,
                               encoding, **maps)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{len(result)} projects: {_counts(result, lang)}")
    click.echo(f"report: {out / 'report.html'}\nmap:    {out / 'map.html'}")


def _demo(rule_set, out: Path, lang: str, overwrite: bool, maps: dict) -> None:
    """Screen the demo projects, plus the demo's GCJ-02 table and boundary-point TXT if shipped."""
    import layers.demo as demo
    from layers.catalog import load_catalog

    cat = load_catalog(demo.DEMO_CATALOG)
    out = prepare_out_dir(out, overwrite)
    result, _ = run_screen(Path(demo.DEMO_PROJECTS), cat, rule_set, out, None, {}, lang,
                           **maps)
    click.echo(f"demo: {len(result)} projects: {_counts(result, lang)}")
    click.echo(f"report: {out / 'report.html'}\nmap:    {out / 'map.html'}")
    # the GCJ-02 coordinate table and the boundary-point TXT parcel (a PV project)
    extras = {".csv": ("gcj02", "gcj02", {}), ".txt": ("mnr_txt", None, {"type": "pv"})}
    for path in demo.DEMO_EXTRA_PROJECTS:
        sub, coords, defaults = extras[Path(path).suffix.lower()]
        folder = out / sub
        folder.mkdir()
        res, _ = run_screen(Path(path), cat, rule_set, folder, coords, defaults, lang, **maps)
        click.echo(f"demo {sub} ({Path(path).name}): {len(res)} projects: {_counts(res, lang)} "
                   f"→ {folder / 'report.html'}")
