"""``siting screen``: screen a list of projects against a catalog with a rule set.

Writes, essential files first, ``screening.csv``, ``screening_hits.csv``, ``screening.geojson``
(EPSG:4326), ``screening.gpkg`` (styled for QGIS, with ``.qml`` files), ``screening.xlsx``,
``report.html`` (with ``report/page-0001.html`` … for large batches), ``map.html`` and, with
``--pdf``, ``report.pdf`` into ``--out`` (through :mod:`maps.cli.outputs`). Where the batch is
screened on worker processes, the files are also written several at once, by this process and
forked helpers (as many in all as :meth:`maps.cli.workers.Workers.writers` says), started in that
order.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from pathlib import Path

import click

from layers.errors import InputError, in_lang
from maps.cli.options import (
    AtLeast,
    basemap_options,
    check_basemap,
    lang_option,
    overwrite_option,
)
from maps.cli.workers import Workers, capped_note, check_workers, workers_options

COORD_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")
TYPE_CHOICES = ("pv", "wind", "industrial", "infrastructure", "mining", "tourism", "restoration",
                "residential", "public_service", "other")
"""geo.vocabulary.TYPES, written out: importing geo here would load the whole engine for
``--help`` (a test keeps the two equal)."""
SUMMARY_COLUMNS = ("project_id", "name", "type", "industry", "verdict", "reasons",
                   "n_prohibited", "n_review")
FILES = ("screening.csv", "screening_hits.csv", "screening.geojson", "screening.gpkg",
         "screening.xlsx",
         "report.html", "map.html")
"""The files of one screening, essential first."""
REPORT_PAGES = "report/"
"""The folder of a paged report's pages (their number depends on the batch): siting writes its
:data:`maps.screening_report.PAGE_GLOB` files there, the user's other files there stay."""
PAGES_WHEN = ("项目超过 {n} 个时，报告分页写入此目录（{pages} …）；输出目录在读取项目之前检查，此时尚不知本批"
              "项目数", "for a report of more than {n} projects (its pages {pages} …; --out is "
              "checked before the projects are read, so before siting knows how many this batch "
              "holds)")
"""(zh, en) of when siting writes a report's pages, for the message naming a file of the
user's in their way (:func:`maps.cli.outputs.destination`)."""
STYLES = "screening*.qml"
"""The QGIS styles written beside the GeoPackage (one per geometry type: names known late)."""
PDF = "report.pdf"
"""The printed report (``--pdf``), written after the others."""
_log = logging.getLogger(__name__)
HINTS = {"crs": "--crs EPSG:4544", "layer": "--layer NAME", "encoding": "--encoding gb18030",
         "coords": "--coords wgs84|gcj02|bd09|cgcs2000"}
"""How to fix a project file on this command, for the reader's messages (contract C3)."""


def near_hints(catalog) -> dict:
    """:data:`HINTS` with ``near``: a function giving the catalog's extent [°], with which the
    reader names the Gauss-Krüger zone(s) that put eastings without a zone number on the region
    (called only for such a refusal: the extent may read every layer)."""
    from layers.errors import InputError

    def near():
        try:
            return (catalog.region or {}).get("extent") or catalog.extent_lonlat
        except InputError:  # no layer can be read: said where the layers are read
            return None

    return {**HINTS, "near": near}


def refuse_misplaced(catalog, features, crs: str | None, coords: str | None, path) -> None:
    """Refuse features placed with ``--crs`` / ``--coords`` that all land far outside the
    catalog's region: the option given is the suspect, not the region (InputError naming it)."""
    if not (crs or coords) or features is None or not len(features):
        return
    from geo.coverage import misplaced_input
    from layers.errors import InputError

    why = misplaced_input(catalog, features, f"--crs {crs}" if crs else f"--coords {coords}",
                          str(path))
    if why:
        raise InputError(why)


def writers(result, hits, catalog=None, lang: str = "zh", basemap: str = "osm",
            tianditu_key: str | None = None, sub: str = "", notes: list | None = None,
            problems: list | None = None, rules=None, pdf: bool = False,
            report_images: int | None = None, lonlat=None) -> list:
    """The files of one screening and how to write each, essential first.

    Parameters
    ----------
    result, hits
        The two tables returned by :func:`geo.screen`.
    catalog : Catalog, optional
        Used to draw the zoning layers on the map.
    basemap, tianditu_key
        Basemap of ``map.html`` (see :func:`maps.base.new_map`).
    sub : str
        Subfolder of the output folder (``"gcj02/"``), or ``""``.
    notes : list, optional
        Receives notes about what did not fit its medium (for the user).
    problems : list of (str, list), optional
        The project file's name and its reader problems, for the report's data quality.
    rules : RuleSet, optional
        The rule set screened with (titles of rules not checked, distances).
    pdf : bool
        Also print the report to ``report.pdf`` (batches the report does not page).
    report_images : int, optional
        Most map images in the report (default 100, 30 in a paged report:
        :data:`maps.screening_report.IMAGE_LIMIT`, ``IMAGE_LIMIT_PAGED``).
    lonlat : callable, optional
        Gives the result's footprints in lon/lat (:func:`layers.crs.lonlat_later`, started by
        :func:`read_and_screen`); default: carried here.

    Returns
    -------
    list of (str, callable)
        :data:`FILES` (below ``sub``; :data:`PDF` last with ``pdf``), each with a function of
        the path to write, for :meth:`maps.cli.staging.Staging.write`.
    """
    import pandas as pd

    from geo import vocabulary
    from geo.columns import describe_screening, value_words
    from geo.screen import HIT_COLUMNS, written_hits
    from layers.crs import to_lonlat_own
    from maps import style as st
    from maps.base import finish_map
    from maps.cli.tables import write_csv, write_geojson
    from maps.cli.workbook import XLSX_BUDGET_ROWS, labelled, write_xlsx
    from maps.qgis import write_styled_gpkg  # QGIS: the map's colours (+ .qml beside)
    from maps.report_meta import projects_digest
    from maps.screening_map import outcome_tags, screening_map
    from maps.screening_report import PAGED_ABOVE, write_report

    table = pd.DataFrame(result.drop(columns=result.geometry.name))
    # the footprints in lon/lat, once for the GeoJSON and the GeoPackage, before the writers
    # start (not once in each writer's process); should it fail, those two writers meet the
    # failure again and fail alone: no other file is lost
    try:
        lonlat = lonlat() if lonlat is not None else to_lonlat_own(
            result.geometry.values, result.crs, threads=os.cpu_count() or 1)
    except Exception:  # noqa: BLE001
        lonlat = None
    # the report and the workbook name the same report ID: one hash of the projects where one
    # process writes both (forked writers each hash them when first asked)
    projects = functools.cache(functools.partial(projects_digest, result))
    extra = [c for c in ("confidence", "title", "source") if c in hits.columns]
    notes = [] if notes is None else notes

    def xlsx(path):
        from maps.report_meta import about_rows, report_meta

        words = {v: st.verdict_label(v, lang) for v in st.VERDICT_LABELS}
        types = {t: vocabulary.label("type", t, lang) for t in table["type"].dropna().unique()}
        rows = len(hits) + int((result["verdict"].astype(str) == "error").sum())  # + errors
        shown = written_hits(result, hits, list(HIT_COLUMNS) + extra) \
            if rows <= XLSX_BUDGET_ROWS else pd.DataFrame(index=range(rows))  # left out: a count
        tagged = table.assign(reasons=outcome_tags(table["reasons"], lang))
        sheets = [("screening", labelled(tagged, {"verdict": words, "type": types, **value_words(
                       table.columns, "screening")}, lang),
                   f"{sub}screening.geojson and {sub}screening.csv"),
                  ("hits", labelled(shown, {"outcome": words, **value_words(
                      shown.columns, "hits")}, lang), f"{sub}screening_hits.csv")]
        about = about_rows(report_meta(result, catalog, lang, problems, projects=projects),
                           lang)  # as the report
        notes.extend(f"{sub}screening.xlsx: {n}" for n in write_xlsx(
            path, sheets, "screening", about=about, lang=lang,
            describe={"screening": describe_screening,
                      "hits": lambda c: describe_screening(c, hits=True)},
            found_in={"screening": lambda c: ", ".join(
                          ["screening.csv"] * (c in SUMMARY_COLUMNS)
                          + ["screening.geojson", "screening.gpkg"]),
                      "hits": lambda c: "screening_hits.csv" if c in HIT_COLUMNS else
                      "screening.xlsx, report.html"}))

    def pdf_file(path):
        if len(result) > PAGED_ABOVE:
            notes.append(f"{sub}{PDF} not written: {len(result):,} projects are more than a "
                         f"printed report holds ({PAGED_ABOVE}); the HTML report is paged "
                         f"({sub}report.html and {sub}{REPORT_PAGES}) / 项目过多，未生成 PDF")
            return
        from maps.report_pdf import print_pdf

        print_pdf(path.with_name("report.html"), path)

    files = list(zip((sub + f for f in FILES), (
        lambda path: write_csv(path, table[list(SUMMARY_COLUMNS)]),
        lambda path: write_csv(path, written_hits(result, hits, list(HIT_COLUMNS), pieces=True)),
        lambda path: write_geojson(path, result, lonlat),
        lambda path: write_styled_gpkg(result, path, "screening", "verdict", lang, lonlat),
        xlsx,
        lambda path: write_report(result, hits, path, lang, catalog, problems, rules,
                                         report_images, projects=projects),
        lambda path: finish_map(screening_map(result, hits, catalog, lang, basemap, tianditu_key),
                                path))))
    return files + ([(sub + PDF, pdf_file)] if pdf else [])


def start_order(pairs: list, processes: int) -> list:
    """The order in which the files start: as :data:`FILES` (all CSVs first); on several
    processes the longest to write start early and the workbook before the GeoPackage, so that
    the two processes finish together: the report, the longest, right after the summary CSV;
    the map, the next longest, right after the GeoJSON; then the workbook and the GeoPackage
    (on two processes at 100,000 projects: the summary CSV, the report and the GeoPackage on
    one, 30 s; the hits CSV, GeoJSON, map and workbook on the other, 29 s).
    Every file still starts in the same run: a failed writer stops no other."""
    if processes < 2:
        return pairs
    rank = {name: i for i, name in enumerate(FILES)} | {"report.html": 0.5, "map.html": 2.5,
                                                        "screening.xlsx": 2.7}
    return sorted(pairs, key=lambda pair: rank.get(pair[0].rsplit("/", 1)[-1], len(FILES)))


def read_and_screen(path: Path, catalog, rules, lang: str, workers=None, stage_dir=None,
                    **read):
    """Read one project file and screen it; return (result, hits, reader problems, lon/lat):
    the last a function giving the result's footprints in lon/lat, for :func:`writers`.

    ``read`` goes to :func:`geo.projects.read_projects` (``coords``, ``crs``, ``layer``,
    ``encoding``, ``defaults``), with :data:`HINTS`; ``workers`` (a
    :class:`maps.cli.workers.Workers`) says where the tiles run.
    """
    from geo.projects import read_projects
    from layers.crs import lonlat_later
    from layers.footprints import feature_count
    from maps.progress import screen_with_progress

    started = time.perf_counter()
    if workers is not None:
        workers.warm(feature_count(path, read.get("layer")))
    projects, problems = read_projects(path, hints=near_hints(catalog), **read)
    refuse_misplaced(catalog, projects, read.get("crs"), read.get("coords"), path)
    read_s = time.perf_counter() - started
    executor = workers.executor(len(projects)) if workers is not None else None
    later = []  # the footprints in lon/lat for two of the files, carried on threads while the
    # workers stop and the tables are joined (one core is idle then), not after

    def carry(footprints, crs):
        later.append(lonlat_later(footprints, crs, threads=os.cpu_count() or 1))

    result, hits = screen_with_progress(projects, catalog, rules, lang=lang,  # bar on a tty
                                        executor=executor, stage_dir=stage_dir,
                                        release=workers.close if workers is not None else None,
                                        screened=carry)
    _log.info("read %s (%d projects) in %.2f s, screened in %.2f s%s", path.name, len(projects),
              read_s, time.perf_counter() - started - read_s,
              f" on {type(executor).__name__}" if executor is not None else " in this process")
    return result, hits, problems, later[0] if later else None


_SAID = {"report": {"zh": "报告：", "en": "report: "},
         "map": {"zh": "地图：", "en": "map:    "}, "pdf": {"zh": "PDF： ", "en": "pdf:    "}}
"""The words of the lines ``siting screen`` ends with, in each language."""


def _counts(result, lang: str) -> str:
    from maps import style as st

    counts = result["verdict"].value_counts()
    return ("，" if lang == "zh" else ", ").join(f"{st.verdict_label(v, lang)} {int(counts.get(v, 0))}"
                     for v in ("prohibited", "review", "admitted", "error"))


@click.command("screen")
@click.argument("projects", required=False, type=click.Path(path_type=Path))
@click.option("--catalog", type=click.Path(path_type=Path), help="Catalog TOML / 图层目录.")
@click.option("--rules", "rules", multiple=True,
              help="Rule set name or file; repeat to extend (--rules national --rules x.toml).")
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--coords", type=click.Choice(COORD_CHOICES),
              help="What the input coordinates are / 输入坐标系 (wgs84, gcj02, bd09, cgcs2000).")
@click.option("--crs", metavar="CRS",
              help="CRS of a project file in projected metres that does not say it, e.g. "
                   "EPSG:4545 for Gauss-Krüger eastings without zone number / 投影坐标系.")
@click.option("--type", "ptype", type=click.Choice(TYPE_CHOICES),
              help="Project type for files without attributes / 项目类型.")
@click.option("--industry", help="Industry for files without attributes / 行业.")
@click.option("--name", help="Project name for files without attributes / 项目名称.")
@click.option("--layer", help="Layer or sheet inside the project file.")
@click.option("--encoding", help="Text encoding of the project file (utf-8, gb18030 ...).")
@click.option("--demo", is_flag=True, help="Screen the bundled Guiyang demo / 运行贵阳示例.")
@click.option("--pdf", is_flag=True,
              help="Also print the report to report.pdf with headless Chromium / 同时输出 PDF 报告.")
@click.option("--report-images", type=AtLeast(0, "0 draws none", "0 表示不绘制"), default=None,
              metavar="N",
              help="Most per-project map images in the report (default 100, 30 above 300 "
                   "projects; prohibited first, then review) / 报告中范围图的最大数量.")
@lang_option
@basemap_options
@overwrite_option
@workers_options
def screen(projects: Path | None, catalog: Path | None, rules: tuple[str, ...], out: Path,
           coords: str | None, crs: str | None, ptype: str | None, industry: str | None,
           name: str | None, layer: str | None, encoding: str | None, demo: bool, pdf: bool,
           report_images: int | None, lang: str, basemap: str, tianditu_key: str | None,
           overwrite: bool, workers: int | None, scheduler: str | None,
           stage_dir: Path | None) -> None:
    """Screen PROJECTS against a CATALOG's zoning layers / 项目生态环境准入审查.

    \b
    siting screen projects.gpkg --catalog catalog.toml --out result/
    siting screen parcels.csv --coords gcj02 --type pv --catalog c.toml --out r/
    siting screen gk_table.csv --crs EPSG:4545 --catalog c.toml --out r/
    siting screen --demo --out demo-out/ --pdf
    siting screen big.gpkg --catalog c.toml --out r/ --workers 8
    siting screen big.gpkg --catalog c.toml --out r/ --scheduler tcp://host:8786

    --overwrite replaces only the files siting wrote in --out before; other files stay.
    Large batches are screened as tiles on --workers processes (default: every core) or,
    instead, on a Dask cluster (--scheduler; its workers are started with `dask worker`);
    the results are the same as in one process.
    """
    if demo == bool(projects):
        raise click.UsageError("give a PROJECTS file or --demo (not both)")
    if not demo and catalog is None:
        raise click.UsageError("--catalog is required (or use --demo)")
    if demo and (coords or crs or layer or encoding):
        raise click.UsageError("--coords, --crs, --layer and --encoding apply to a PROJECTS "
                               "file, not to --demo")
    check_basemap(basemap, tianditu_key)
    check_workers(workers, scheduler)
    from geo.rules import load_rules
    from layers.catalog import load_catalog
    from maps.cli import notices
    from maps.cli.outputs import catalog_inputs, destination
    from maps.cli.staging import write_files
    from maps.screening_report import PAGE_GLOB, PAGE_NAME, PAGED_ABOVE

    try:
        if pdf:
            from maps.report_pdf import find_chromium

            find_chromium()  # before any work: a clear message when it cannot print
        rule_set = load_rules(list(rules) or None)
        if demo:
            import layers.demo as demo_data

            catalog = demo_data.DEMO_CATALOG
            jobs = _demo_jobs(demo_data)
        else:
            read = {"coords": coords, "crs": crs, "layer": layer, "encoding": encoding,
                    "defaults": {"type": ptype, "industry": industry, "name": name}}
            jobs = [("", Path(projects), read)]
        cat = load_catalog(catalog)
        for _, path, _ in jobs:
            if not path.exists():
                raise click.BadParameter(f"{path}: file not found", param_hint="PROJECTS")
        names = (*FILES, STYLES, REPORT_PAGES + PAGE_GLOB) + ((PDF,) if pdf else ())
        pages = tuple(w.format(n=PAGED_ABOVE, pages=f"{PAGE_NAME.format(1)}, "
                               f"{PAGE_NAME.format(2)}") for w in PAGES_WHEN)
        dest = destination(
            out, "screen", [sub + f for sub, _, _ in jobs for f in names], overwrite=overwrite,
            inputs=[p for _, p, _ in jobs] + list(rule_set.files) + catalog_inputs(cat),
            when={sub + REPORT_PAGES + PAGE_GLOB: pages for sub, _, _ in jobs})
        pool = Workers(workers, scheduler)
        if pool.capped and not scheduler:
            click.echo(f"note: {in_lang(capped_note(workers, pool.workers), lang)}", err=True)
        try:
            with notices.held_warnings() as held:
                done = [(sub, path, *read_and_screen(path, cat, rule_set, lang, pool, stage_dir,
                                                     **read))
                        for sub, path, read in jobs]
        finally:
            pool.close()  # the workers' memory is freed before the outputs are written
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    said = notices.echo_problems([(str(path), problems) for _, path, _, _, problems, _ in done]
                                 + notices.catalog_problems(cat), held, lang=lang)
    notices.echo_rule_notices(rule_set, lang)  # once, whatever the number of project files
    for sub, path, result, _, _, _ in done:
        label = f"demo {sub.rstrip('/') or 'projects'} ({path.name})" if demo else path.name
        click.echo((f"{label}：{len(result)} 个项目：" if lang == "zh" else
                    f"{label}: {len(result)} projects: ") + _counts(result, lang)
                   + (f" → {dest.folder / sub / 'report.html'}" if sub else ""))
    notes: list[str] = []
    files = [writers(result, hits, cat, lang, basemap, tianditu_key, sub, notes,
                     [(path.name, problems)], rule_set, pdf, report_images, lonlat)
             for sub, path, result, hits, problems, lonlat in done]
    printed = [pair for step in files for pair in step if pair[0].endswith(PDF)]  # reads HTML
    processes = pool.writers(sum(len(r) for _, _, r, _, _, _ in done))
    with notices.then_catalog_problems(cat, said, lang):  # layers first read to draw the map
        write_files(dest, start_order([pair for step in zip(*files) for pair in step
                                       if pair not in printed], processes),
                    processes, notes, printed)
    for note in notes:
        click.echo(f"note: {note}", err=True)
    shown = [("report", "report.html"), ("map", "map.html")] + (
        [("pdf", PDF)] if (dest.folder / PDF).exists() else [])
    click.echo("\n".join(f"{_SAID[key][lang]}{dest.folder / name}" for key, name in shown))


def _demo_jobs(demo_data) -> list[tuple[str, Path, dict]]:
    """The demo projects, plus the demo's GCJ-02 table and boundary-point TXT if shipped."""
    # the boundary-point TXT is GBK, as the Ministry's submissions are: say so, as a user would
    extras = {".csv": ("gcj02/", {"coords": "gcj02"}),
              ".txt": ("mnr_txt/", {"defaults": {"type": "pv"}, "encoding": "gb18030"})}
    jobs = [("", Path(demo_data.DEMO_PROJECTS), {})]
    for path in demo_data.DEMO_EXTRA_PROJECTS:
        sub, read = extras[Path(path).suffix.lower()]
        jobs.append((sub, Path(path), read))
    return jobs
