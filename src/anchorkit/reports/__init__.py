"""Reports and open data, from the same (published, suppressed) numbers as the dashboard."""
