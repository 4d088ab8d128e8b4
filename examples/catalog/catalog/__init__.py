"""The seed-003 example service, ported from Pecan to carya."""
