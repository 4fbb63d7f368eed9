"""Contracts: the extraction record and every event the workers publish."""
