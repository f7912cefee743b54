"""Hand-written servers the benchmarks compare the generated adapter against."""
