"""Workforce: the anchors' hiring lever, kept as counts by home area — never as people.

``import_workforce`` reads an aggregate file into ``workforce_count``; ``aggregate_people`` turns
a person-level HR export into such a file on the user's own machine; ``hiring_indicators``
computes the hiring figures (local and priority-area shares of staff and new hires, living-wage
share, local payroll) by anchor and year.
"""

from anchorkit.workforce.load import import_workforce

__all__ = ["import_workforce"]
