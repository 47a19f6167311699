"""Households, relationships and families."""
