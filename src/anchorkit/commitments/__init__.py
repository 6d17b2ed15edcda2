"""Social-value commitments against actuals (:mod:`.records`, :mod:`.status`) and Tier-2 returns
(:mod:`.tier2`)."""
