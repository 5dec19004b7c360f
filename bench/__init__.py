"""`make bench`: seeds a realistic PostgreSQL dataset and measures the pages and services against their ceilings."""
