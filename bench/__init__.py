"""Benchmarks. Each script seeds its own throwaway database; see bench/README.md."""
