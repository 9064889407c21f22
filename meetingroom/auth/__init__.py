"""Accounts, roles, sessions, CSRF, bearer tokens and rate limits."""
