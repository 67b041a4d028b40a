"""Backup and restore of people and training records; the file format is in records/format.py."""
