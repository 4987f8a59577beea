"""mergegen: multi-branch Keras scripts from an architecture spec."""

__version__ = "0.1.0"
