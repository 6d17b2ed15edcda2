"""Supplier resolution: one supplier across every anchor and every registry.

Normalisation comes first: every comparison Splink makes later is between the keys it produces.
"""

from __future__ import annotations

from anchorkit.resolve.normalise import NormalisedName, normalise_name, normalise_sql

__all__ = ["NormalisedName", "normalise_name", "normalise_sql"]
