"""Accounts: login, registration, passwords, API tokens, a user's profile and saved searches.
(Channel sharing, invitations and membership, is ``channels.sharing``'s.)"""
