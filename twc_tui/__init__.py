"""twc-tui: a terminal monitor for Tesla Wall Connector Gen 3 chargers."""

__version__ = "0.1.0"
