"""The reasoning: overlay, rules, screening, raster statistics, site scores, energy yield."""
