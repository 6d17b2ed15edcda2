"""Who may see and do what: the role × action policy (:mod:`anchorkit.access.policy`), the line
scope of every query and the small-cell rule — one place, read by every face.
"""
