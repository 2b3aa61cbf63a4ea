"""regeval: difference-in-differences evaluation of a change made in one region."""

__version__ = "0.1.0"
