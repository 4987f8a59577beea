"""The analysis: expand blocks, plan the graph with the layer catalog, plan training."""
