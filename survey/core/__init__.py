"""Pure-Python core shared by the web, the CLI and the benchmarks: no Flask, no database."""
