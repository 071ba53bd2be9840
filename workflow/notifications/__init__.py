"""Notifications in the application: what a member is told, written in the same
transaction as its cause, and the bell that counts what is unread."""
