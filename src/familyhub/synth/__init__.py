"""Synthetic multi-agency population: partner extracts with their ground truth.

``familyhub.synth.generate.generate(people=N, seed=S, out=DIR)`` writes ``DIR/extracts/``
(one file per partner source, laid out as that partner sends it) and ``DIR/truth/``; see
docs/synthetic-data.md.
"""
