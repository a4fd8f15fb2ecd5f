"""Shared test helpers (fake keyring backends and the like)."""
