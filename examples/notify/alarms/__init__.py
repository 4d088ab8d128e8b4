"""Service B of seed 000: subscribes to the deployer's notifications, raises alarms."""
