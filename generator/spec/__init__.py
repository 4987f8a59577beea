"""The spec front end: read a file, check names and values, the pydantic models."""
