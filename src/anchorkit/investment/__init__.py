"""Investment: the anchors' third lever — where their money is deposited, lent and invested.

``import_investment`` reads an anchor's register (replacing its previous one);
``rematch_investees`` links holdings to the suppliers resolution knows; ``compute_investment``
gives the place-based and impact figures by anchor and year.
"""

from anchorkit.investment.indicators import compute_investment
from anchorkit.investment.load import import_investment, rematch_investees

__all__ = ["compute_investment", "import_investment", "rematch_investees"]
