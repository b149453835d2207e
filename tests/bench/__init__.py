"""Benchmarks (`make bench`): each prints its figures beside a raw baseline measured in the same run."""
