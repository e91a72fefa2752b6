"""The check modules document the check ids they can raise, as UD's validator does: a public
function's docstring names every check id that it, or a private helper it calls, reports, or
names the public function of the module that does. Read from the source with `ast` (cheap):
adding `report("new-check", ...)` to a helper fails here until the docstring says so."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

import akhbar.checks
import akhbar.provenance
import akhbar.records
import akhbar.validate
from akhbar.diagnostics import CHECKS

MODULES = [akhbar.checks, akhbar.provenance, akhbar.records, akhbar.validate]


class _Function:
    def __init__(self, node: ast.FunctionDef, public: bool) -> None:
        self.name = node.name
        self.public = public
        self.doc = ast.get_docstring(node) or ""
        body = node.body[1:] if ast.get_docstring(node) is not None else node.body
        nodes = [n for statement in body for n in ast.walk(statement)]
        # Check ids written in the body (report("span-empty", ...), Diagnostic("file-bom", ...)).
        self.ids = {n.value for n in nodes if isinstance(n, ast.Constant) and n.value in CHECKS}
        self.calls = {n.func.id if isinstance(n.func, ast.Name) else n.func.attr
                      for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name | ast.Attribute)}


def _functions(module) -> dict[str, list[_Function]]:
    """The module's functions and methods by simple name (a call is resolved by name)."""
    tree = ast.parse(inspect.getsource(module))
    found: dict[str, list[_Function]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found.setdefault(node.name, []).append(_Function(node, not node.name.startswith("_")))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    public = not node.name.startswith("_") and not item.name.startswith("_")
                    found.setdefault(item.name, []).append(_Function(item, public))
    return found


def _named(doc: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", doc) is not None


def _undocumented(function: _Function, functions: dict[str, list[_Function]]) -> set[str]:
    """The check ids `function` can raise (through the module's helpers) that its docstring
    neither names nor leaves to a public function it names."""
    missing = set(function.ids)
    todo, seen = list(function.calls), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for callee in functions[name]:
            if callee.public and _named(function.doc, callee.name):
                continue  # "... and check_spans": documented there
            missing |= callee.ids
            todo.extend(callee.calls)
    return {check for check in missing if not _named(function.doc, check)}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_public_functions_name_the_check_ids_they_raise(module):
    functions = _functions(module)
    problems = {f"{module.__name__}.{f.name}": sorted(missing)
                for group in functions.values() for f in group if f.public and (missing := _undocumented(f, functions))}
    assert problems == {}


def test_every_registered_check_is_named_in_a_public_docstring():
    named = set()
    for module in MODULES:
        for group in _functions(module).values():
            named |= {check for f in group if f.public for check in CHECKS if _named(f.doc, check)}
    assert sorted(set(CHECKS) - named) == []


def test_the_reading_finds_ids_raised_by_helpers():
    """The rule above can fail: a public function is held to its private helpers' ids."""
    source = '''
def check_thing(record, report):
    """Raises span-empty."""
    _helper(record, report)

def _helper(record, report):
    report("span-empty", "empty")
    report("span-reversed", "reversed")
'''
    tree = ast.parse(source)
    functions = {node.name: [_Function(node, not node.name.startswith("_"))] for node in tree.body}
    assert _undocumented(functions["check_thing"][0], functions) == {"span-reversed"}
