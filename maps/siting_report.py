"""The siting report: ranked table, method, parameters, weights and data sources (HTML).

Rendered with Jinja2 autoescaping: every input value is escaped.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import jinja2
import numpy as np

TEMPLATES = Path(__file__).parent / "templates"
TABLE_COLUMNS = ["rank", "site_id", "name", "source_kind", "status", "usable_area_ha", "score",
                 "class", "top_n_probability", "capacity_mw", "generation_mwh", "co2_t",
                 "coal_tce", "reason"]


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float | np.floating):
        if np.isnan(v):
            return ""
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.2f}"
    return str(v)


def render_report(sites: gpd.GeoDataFrame, lang: str = "zh") -> str:
    """The report HTML for a result of :func:`geo.score_sites`."""
    meta = sites.attrs.get("siting", {})
    order = sites.sort_values(["rank", "site_id"], na_position="last")
    rows = [[_fmt(r[c]) for c in TABLE_COLUMNS] for _, r in order.iterrows()]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=True, undefined=jinja2.StrictUndefined)
    counts = sites["status"].value_counts().to_dict()
    usable = sites["status"] == "usable"
    totals = {k: _fmt(float(sites.loc[usable, k].sum())) for k in
              ("usable_area_ha", "capacity_mw", "generation_mwh", "co2_t", "coal_tce")}
    return env.get_template("siting_report.html.j2").render(
        lang=lang, meta=meta, columns=TABLE_COLUMNS, rows=rows, counts=counts, totals=totals,
        n=len(sites))
