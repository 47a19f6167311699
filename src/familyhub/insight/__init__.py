"""Insight without identification: disclosure-controlled counts, pseudonymised k-anonymous
extracts, planners' charts and the national evaluation return (see docs/insight.md)."""
