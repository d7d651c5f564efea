"""The bench never imports the test suite: tests may import bench (the test_bench_* files do), never the reverse.

The bench is a tool of its own, run from a checkout; what it needs from the suite's helpers (the
SecantusDB launcher) lives in bench/. Every bench/*.py is parsed, not imported, so an import
anywhere in a file, a function's body included, is named with its file and line.
"""

from pathlib import Path

from tests.support.python_imports import imports_in as _imports

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"


def imports_of_the_suite(path: Path) -> list[tuple[int, str]]:
    """(line, module) of each import of `tests`, or of a module under it, in a Python file."""
    return [(line, module) for line, module in _imports(path) if module == "tests" or module.startswith("tests.")]


def test_no_bench_module_imports_the_test_suite() -> None:
    modules = sorted(BENCH.rglob("*.py"))
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in modules
        for line, module in imports_of_the_suite(path)
    ]

    assert BENCH / "__main__.py" in modules
    assert found == [], "the bench imports the test suite:\n" + "\n".join(found)


def test_the_check_sees_an_import_of_the_test_suite_even_inside_a_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import testsuite\n"
        "from bench.load import Call\n"
        "import tests.support.environment\n"
        "\n"
        "def database():\n"
        "    from tests.support.secantusdb import secantusdb_server\n"
    )

    assert imports_of_the_suite(sample) == [(3, "tests.support.environment"), (6, "tests.support.secantusdb")]
