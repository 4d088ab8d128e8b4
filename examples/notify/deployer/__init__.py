"""Service A of seed 000: takes deployment requests, does the work, announces it."""
