"""Command-line tools, catalogue files, analytics, the benchmark, the deployment files and the test runner."""
