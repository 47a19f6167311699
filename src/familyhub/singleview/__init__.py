"""The practitioner's single view of a child and family (issue 7), as services.

``familyhub.singleview.service`` is the public surface; ``types`` holds the results.
"""
