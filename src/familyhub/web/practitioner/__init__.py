"""The practitioner's pages and JSON API: search, the single view, casework actions."""
