"""The spec front end: read a file, check names and values, the pydantic models."""

from generator.spec.yaml_seed import seed

seed()  # before any module of the package imports PyYAML
