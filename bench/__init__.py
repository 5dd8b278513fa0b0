"""`make bench`: each `bench/<area>.py` measures one area and writes its section of BENCHMARKS.md."""
