"""The web dashboard: FastAPI pages, htmx, Vega-Lite charts (see docs/web-charts.md)."""
