"""Code generation: code fragments, layer statements, the template, black."""
