"""``familyhub demo``: the whole pipeline on synthetic data, with sign-ins that tell a story."""

from familyhub.demo.cli import register

__all__ = ["register"]
