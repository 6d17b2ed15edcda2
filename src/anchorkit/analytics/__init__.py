"""Analytics over the spend ledger: indicators now; targets, impact and opportunities later."""

from anchorkit.analytics.indicators import Indicators, compute_breakdowns, compute_indicators

__all__ = ["Indicators", "compute_breakdowns", "compute_indicators"]
