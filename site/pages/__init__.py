"""Static pages, the home page, the site map and the error pages."""
