"""Seed 003's "groups" Nova extension, rebuilt on carya.api (see the README)."""
