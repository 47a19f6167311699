"""Speed and memory benchmarks; `make bench` runs them all and prints their figures."""
