"""familyhub: safe multi-agency information sharing for children and families."""

__version__ = "0.1.0"
