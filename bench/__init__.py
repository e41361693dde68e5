"""`scripts/bench`: what Home Lab costs the NAS and Home Assistant, at the seed lab and at scale.

See `bench/lab_bench.py` for how it runs and `README.md` (Performance) for the figures.
"""
