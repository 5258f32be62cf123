"""migration-kb: a knowledge base of migration-cooperation practices of the Americas."""

__version__ = "0.1.0"
