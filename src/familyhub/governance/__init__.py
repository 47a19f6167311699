"""Sharing agreements, the retention schedule and purge, and the privacy notice."""
