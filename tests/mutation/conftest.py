"""Keeps pytest from importing the fault-planting script as a test or doctest module."""

collect_ignore = ["plant_faults.py", "cosmic_ray_sample.py"]
