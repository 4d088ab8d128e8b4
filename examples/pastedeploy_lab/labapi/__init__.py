"""Seed 002's OpenStack WSGI prototype (router, versions controller), in Python 3."""
