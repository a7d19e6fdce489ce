"""The verdict palette is told apart from the zoning layers and from itself, also by colour-blind
readers (simulated deuteranopia, protanopia and tritanopia, Machado et al. 2009 via
colour-science), measured as CIEDE2000 colour differences of what the map displays."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

from maps import style as st

with np.printoptions():  # colour-science sets numpy's legacy printing on import, which would
    colour = pytest.importorskip("colour")  # change the float texts of every later test

BASEMAP = "#f2efe9"  # OpenStreetMap land colour: what a half-transparent fill is seen over
VERDICTS = ("prohibited", "review", "admitted")
SIGHTS = ("normal", "Deuteranomaly", "Protanomaly", "Tritanomaly")


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])


def _lab(rgb: np.ndarray, sight: str) -> np.ndarray:
    linear = colour.cctf_decoding(np.clip(rgb, 0, 1))
    if sight != "normal":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tritanomaly model's own caveat
            linear = np.clip(linear @ colour.blindness.matrix_cvd_Machado2009(sight, 1.0).T, 0, 1)
    return colour.XYZ_to_Lab(colour.RGB_to_XYZ(linear, "sRGB", apply_cctf_decoding=False))


def _delta(a: np.ndarray, b: np.ndarray, sight: str) -> float:
    return float(colour.delta_E(_lab(a, sight), _lab(b, sight), method="CIE 2000"))


def _displayed() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Layer colours as seen: fills at their opacity over the basemap, line and point colours;
    and the outlines of polygon kinds (thin lines) apart."""
    seen, outlines = {}, {}
    for kind, style in st.KIND_STYLES.items():
        if style["fill"]:
            a = style["fillOpacity"]
            seen[f"{kind} fill"] = _rgb(style["fillColor"]) * a + _rgb(BASEMAP) * (1 - a)
        if st.get_kind_geometry(kind) == "polygon" and style["fill"]:
            outlines[f"{kind} outline"] = _rgb(style["color"])
        else:
            seen[f"{kind} line/point"] = _rgb(style["color"])
    return seen, outlines


@pytest.mark.parametrize("verdict", VERDICTS)
def test_verdicts_stand_out_from_every_layer(verdict):
    seen, outlines = _displayed()
    c = _rgb(st.verdict_style(verdict)["color"])
    worst = min((_delta(c, v, s), name, s) for name, v in seen.items()
                for s in ("normal", "Deuteranomaly", "Protanomaly"))
    assert worst[0] >= 14, worst
    worst = min((_delta(c, v, "normal"), name) for name, v in outlines.items())
    assert worst[0] >= 15, worst


def test_verdicts_differ_from_one_another_in_every_colour_vision():
    for (a, b), sight in itertools.product(
            itertools.combinations(VERDICTS + ("error",), 2), SIGHTS):
        d = _delta(_rgb(st.verdict_style(a)["color"]), _rgb(st.verdict_style(b)["color"]), sight)
        assert d >= (30 if "error" not in (a, b) else 22), (a, b, sight, d)


def test_the_old_traffic_light_would_fail():
    """The check can fail: the former palette's red is the red line's in protanopia."""
    red_line = _rgb(st.KIND_STYLES["ecological_red_line"]["color"])
    assert _delta(_rgb("#c0392b"), red_line, "Protanomaly") < 15
