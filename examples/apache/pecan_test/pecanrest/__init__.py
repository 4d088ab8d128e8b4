"""Seed 000's ``pecanrest`` package: a small REST service on carya."""
