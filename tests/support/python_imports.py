"""The imports of a Python file, read from its syntax tree (never by importing it)."""

import ast
from collections.abc import Iterator
from pathlib import Path


def imports_in(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for each absolute import in the file, those inside functions included."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def calls_of(path: Path, names: set[str]) -> Iterator[tuple[int, str]]:
    """(line, name) for each call of a method or function named in `names` (`x.invalidate()`, `invalidate()`)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if name in names:
                yield node.lineno, name
