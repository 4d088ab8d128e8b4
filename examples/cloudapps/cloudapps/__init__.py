"""cloudapps: the seed-000 system built on carya (see DESIGN.md beside this package)."""
