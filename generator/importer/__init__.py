"""Import: a saved Keras model (.keras archive or its JSON) read back into a spec."""
