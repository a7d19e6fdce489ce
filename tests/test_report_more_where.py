"""The report's data-quality rows say where the texts beyond the first 30 are (review 29 LOW 5).

Every row said "N more: see siting layers", also for the projects on slivers between layers
(``siting layers`` prints none of them: they are hits of rule ``layer_sliver``) and for a project
file's reader problems (shown on the terminal of the run).
"""

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from layers.hygiene import Problem
from maps.report_meta import PROBLEMS_SHOWN, report_meta


def _result(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"project_id": [f"P{i}" for i in range(n)], "verdict": "review",
                             "reasons": ""}, geometry=[Point(i, 0) for i in range(n)],
                            crs="EPSG:4326")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_row_names_where_the_rest_is(lang):
    n = PROBLEMS_SHOWN + 5
    hits = pd.DataFrame({"project_id": [f"P{i}" for i in range(n)], "rule_id": "layer_sliver",
                         "message": "a sliver between two layers"})
    problems = [("projects.csv", [Problem(f"R{i}", "repaired", "repaired its outline") for i in range(n)])]
    meta = report_meta(_result(n), None, lang, problems, hits)
    rest = {name: more for name, _, more in meta["quality"]}
    sliver = next(v for k, v in rest.items() if "Layer fit" in k or "图层套合" in k)
    file = next(v for k, v in rest.items() if "projects.csv" in k)
    assert "screening_hits.csv" in sliver and "layer_sliver" in sliver and "siting layers" \
        not in sliver
    assert "5" in sliver and "siting layers" not in file
    assert ("terminal" in file) if lang == "en" else ("终端" in file)


def test_nothing_more_says_nothing():
    hits = pd.DataFrame({"project_id": ["P0"], "rule_id": "layer_sliver", "message": "x"})
    meta = report_meta(_result(1), None, "en", [("a.csv", [])], hits)
    assert all(more == "" for _, _, more in meta["quality"])
