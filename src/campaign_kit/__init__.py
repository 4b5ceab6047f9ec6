"""campaign-kit: a roster of women political prisoners in, a week's campaign kit out."""

__version__ = "0.1.0"
