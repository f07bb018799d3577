"""Compiled extension modules built from csrc/*.pyx (see setup.py)."""
