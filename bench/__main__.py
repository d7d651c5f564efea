"""`python -m bench` (rewards-bench): the entry point. The flags are bench/arguments.py, the run bench/run.py."""

from bench.arguments import parse_args
from bench.run import execute


def main(argv: list[str] | None = None) -> None:
    raise SystemExit(execute(parse_args(argv)).status)


if __name__ == "__main__":
    main()
