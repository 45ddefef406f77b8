"""veille: self-hosted competitive intelligence for cloud providers."""

__version__ = "0.1.0"
