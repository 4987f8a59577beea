"""The layer catalog, by family: each module lists its layer types with their rules."""
