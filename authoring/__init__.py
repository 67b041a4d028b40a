"""Trainers' side of the curriculum: exchange, review workflow, the curriculum data loader."""
