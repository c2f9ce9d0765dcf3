"""PostWriter: scrape posts with their engagement, learn what works, write new ones."""

__version__ = "0.1.0"
