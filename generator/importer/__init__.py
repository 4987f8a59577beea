"""Import: a saved Keras model back to a readable spec."""
