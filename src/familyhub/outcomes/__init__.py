"""The Supporting Families outcome framework: rules, needs, eligibility, progress, claims.

Every need is explained (the events behind it, their sources and dates, the rule version)
and is advice: a practitioner confirms or dismisses it, and only confirmed needs count.
"""
