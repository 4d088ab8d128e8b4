"""Tests of the seed-000 system (examples/cloudapps)."""
