"""spend: follow public money in UK procurement, exactly and traceably."""

__version__ = "0.1.0"
