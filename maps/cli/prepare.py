"""``siting prepare``: convert a catalog's layers once into the fast form the engine reads best.

Each vector layer is read, checked and typed once (:meth:`layers.catalog.Catalog.source`, the
same path every command takes) and written as ``<id>.parquet`` with its findings in
``<id>.layer.json`` (:mod:`layers.prepared`: typed, validated, Hilbert-sorted GeoParquet with a
bbox covering column, in the source's own CRS, with a copy of every geometry in the catalog's
working CRS as each run would transform it, which screening reads instead of transforming the
layer again: maps and report images read the source geometry); ``catalog.toml`` beside them
names the prepared layers, with their provenance (source, date, original file or table, when
prepared), and the original rasters (by absolute path: they are not copied, and the folder can
be moved). Screening with the prepared catalog gives the same results
as with the original, without validating national layers on every run; tiles read only the row
groups near their projects.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from layers.errors import InputError
from maps.cli.options import lang_option, overwrite_option

CATALOG_NAME = "catalog.toml"


def prepared_catalog(cat, when: str) -> dict:
    """The prepared catalog's content: the region, the prepared layers, the original rasters."""
    layers = []
    for spec in cat.layers:
        entry = {"id": spec.id, "kind": spec.kind, "path": f"{spec.id}.parquet"}
        entry |= {k: getattr(spec, k) for k in ("source", "date") if getattr(spec, k)}
        if spec.accuracy_m is not None:
            entry["accuracy_m"] = spec.accuracy_m
        if spec.empty_ok:
            entry["empty_ok"] = True
        if spec.defaults:  # already applied: kept so that reports still show them
            entry["defaults"] = dict(spec.defaults)
        entry["prepared"] = {"from": cat.provenance(spec.id)["path"], "at": when,
                             "catalog": str(cat.path)}
        layers.append(entry)
    rasters = []
    for spec in cat.rasters:
        # not copied: named by absolute path, so that the prepared folder can be moved
        entry = {"id": spec.id, "kind": spec.kind, "path": str(Path(spec.path).resolve())}
        entry |= {k: getattr(spec, k) for k in ("crs", "source", "date", "units")
                  if getattr(spec, k)}
        rasters.append(entry)
    return {"region": dict(cat.region), "layer": layers, "raster": rasters}


@click.command("prepare")
@click.argument("catalog", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the prepared layers and their catalog / 输出目录.")
@overwrite_option
@lang_option
def prepare(catalog: Path, out: Path, overwrite: bool, lang: str) -> None:
    """Convert CATALOG's layers once into fast, validated GeoParquet / 预处理图层目录.

    \b
    siting prepare catalog.toml --out prepared/
    siting screen projects.gpkg --catalog prepared/catalog.toml --out result/

    Every layer is read, checked and typed once; a layer that cannot be used is refused (exit
    code 2) and nothing is written. The prepared catalog gives the same screening results as
    the original.
    """
    import tomli_w

    from layers.catalog import load_catalog
    from layers.prepared import entry_digest, sidecar, source_stamp, write_prepared
    from maps.cli import notices
    from maps.cli.outputs import catalog_inputs, destination
    from maps.cli.staging import write_files

    try:
        cat = load_catalog(catalog)
        names = [n for s in cat.layers for n in (f"{s.id}.parquet",
                                                 sidecar(f"{s.id}.parquet").name)]
        dest = destination(out, "prepare", [*names, CATALOG_NAME], inputs=catalog_inputs(cat),
                           overwrite=overwrite)
        with notices.held_warnings() as held:
            unusable = []
            for spec in cat.layers:  # every layer read and checked before anything is written
                facts = cat.facts(spec.id)
                if not facts["usable"]:
                    why = "; ".join(p.message for p in facts["problems"]
                                    if p.severity == "error" and p.feature is None)
                    unusable.append(f"layer {spec.id!r}: {why}")
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    said = notices.echo_problems(notices.catalog_problems(cat), held, lang=lang)
    if unusable:
        raise click.UsageError(f"{catalog}: cannot prepare unusable layers (nothing written); "
                               "fix them and run siting prepare again / 图层不可用，未写出任何文件:\n  "
                               + "\n  ".join(unusable))
    when = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    try:
        moved = cat.working_crs is not None
    except InputError:  # no layer has a geometry: no working CRS, nothing to transform
        moved = False

    def layer_writer(spec):
        def write(path: Path) -> None:
            gdf, problems = cat.source(spec.id)
            about = {"from": cat.provenance(spec.id)["path"], "prepared_at": when,
                     "source": spec.source, "date": spec.date}
            if spec.postgis is None:  # to notice later that the source changed
                about["source_file"] = source_stamp(spec.path)
            else:  # or the table (layers.pgstamp)
                read = cat.provenance(spec.id)
                about["source_table"] = {k: read[k] for k in ("service", "table", "fingerprint")}
            about["source_entry"] = {"catalog": str(cat.path), "id": spec.id,  # or its entry
                                     "sha256": entry_digest(cat.path, spec.id)}
            write_prepared(gdf, problems, spec.kind, path, about,
                           working=cat.read(spec.id).gdf.geometry if moved else None,
                           digest=True)
            cat.forget(spec.id)  # written: its memory is no longer needed
        return write

    def catalog_writer(path: Path) -> None:
        head = (f"# Prepared by siting prepare from {cat.path} on {when}.\n"
                "# Layers: typed, validated GeoParquet (layers/prepared.py); their findings are "
                "in <id>.layer.json.\n")
        body = tomli_w.dumps(prepared_catalog(cat, when))
        path.write_text(head + body, encoding="utf-8")

    with notices.then_catalog_problems(cat, said, lang=lang):
        write_files(dest, [(f"{s.id}.parquet", layer_writer(s)) for s in cat.layers]
                    + [(CATALOG_NAME, catalog_writer)])
    where = dest.folder / CATALOG_NAME
    click.echo(f"已预处理 {len(cat.layers)} 个图层：{where}" if lang == "zh"
               else f"prepared {len(cat.layers)} layers: {where}")
