"""Benchmarks: the desk measured side by side with floors measured in the same run.

Run ``python -m bench`` (``--quick`` for a short run, ``--json`` for one JSON object). It is
a benchmark, not a test: it prints figures and asserts nothing.
"""
