"""Open data: facilities and contacts as JSON, GeoJSON and CSV, and the page describing them."""
