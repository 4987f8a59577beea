"""Views of a checked spec: the validate report and the diagram."""
