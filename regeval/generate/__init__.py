"""Synthetic register extract following DATA_CONTRACT.md, with effects planted in Hedmark."""

from regeval.generate.register import generate_register

__all__ = ["generate_register"]
