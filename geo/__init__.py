"""The reasoning: overlay, rules, screening, raster statistics, site scores, energy yield."""

from geo.screen import screen
from geo.siting import score_sites

__all__ = ["score_sites", "screen"]
