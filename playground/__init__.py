"""playground — a desktop neural-network playground in the notation of the course notes."""

__version__ = "0.1.0"
