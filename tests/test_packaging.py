"""Packaging: every subpackage ships, resources install, core and session stay Qt-free."""

from __future__ import annotations

import ast
import pathlib
import tomllib

import playground

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = pathlib.Path(playground.__file__).resolve().parent


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(("playground", *init.parent.relative_to(PACKAGE).parts))
             for init in PACKAGE.rglob("__init__.py")}
    assert found <= listed, f"not in pyproject's packages: {found - listed}"
    assert config["package-dir"]["playground.resources"] == "resources"


def _imports(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_and_session_never_import_qt():
    for layer in ("core", "session"):
        for path in (PACKAGE / layer).rglob("*.py"):
            qt = {"PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6"} & _imports(path)
            assert not qt, f"{path.relative_to(PACKAGE)} imports {qt}"


def test_core_uses_only_numpy_and_the_standard_library():
    import sys
    allowed = set(sys.stdlib_module_names) | {"numpy", "playground", "__future__"}
    for path in (PACKAGE / "core").rglob("*.py"):
        extra = _imports(path) - allowed
        assert not extra, f"{path.relative_to(PACKAGE)} imports {extra}"
