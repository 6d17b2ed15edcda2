"""Every figure a face shows, computed from the store once per data change and cached.

The dashboard, the API, the reports, the supplier portal and the CLI read figures here, never from
each other, so a number is the same wherever it appears. One module per figure family:
:mod:`~anchorkit.views.indicators` (the overview and an anchor's summary),
:mod:`~anchorkit.views.lines` (spend lines and rejected rows), :mod:`~anchorkit.views.suppliers`,
:mod:`~anchorkit.views.impact`, :mod:`~anchorkit.views.opportunities`,
:mod:`~anchorkit.views.whatif`, :mod:`~anchorkit.views.quality` (data quality) and
:mod:`~anchorkit.views.charts` (Vega-Lite specs of them); :mod:`~anchorkit.views.store` is the
door to the store with its per-generation cache, :mod:`~anchorkit.views.workflows` the write paths
(upload, confirm, publish) shared by the faces.
"""
