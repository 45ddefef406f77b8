"""Detectors: observations -> history rows and events. One module per observation family."""
