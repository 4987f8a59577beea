"""Import: a saved Keras model (.keras archive, .h5 file or its JSON) read back into a spec."""
