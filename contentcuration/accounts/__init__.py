"""Accounts: login, registration, passwords, API tokens, and channel sharing decisions
(accepting invitations, leaving a channel)."""
