"""Analyses over the stored data: hiring trends, review themes, funding patterns, incident statistics."""
