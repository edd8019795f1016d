"""Keeping the data safe: backups of the database and the attachments, and restoring them."""
