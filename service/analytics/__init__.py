"""The analysts' tooling: the example queries (run by tests, rendered into docs/data-model.md) and the HTML report (plotly, the [report] extra)."""
