"""No two modules share a name unless the rule in docs/decisions/0011 allows it (issue 11).

Two ``nodes.py`` (the chef API's ``add_nodes`` and the domain package) or two ``constants.py``
(a loader and the reference models) made a reader open the wrong file; the rule only lasts if
a new module that breaks it fails a check.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent

# Framework conventions: Django looks for urls.py / views.py by habit, Celery's autodiscovery
# for tasks.py; the package around them says which.
CONVENTIONAL = {"urls.py", "views.py", "tasks.py"}


def module_paths_by_name() -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in {"migrations", "tests"} or "migrations" in relative.parts:
            continue
        if path.name == "__init__.py":
            continue
        found[path.name].append(relative.as_posix())
    return found


def is_a_model_and_its_rest_read(paths: list[str]) -> bool:
    """models/<concept>.py (the rows) and viewsets/<table>.py (their REST read) may share it."""
    return sorted(p.split("/")[0] for p in paths) == ["models", "viewsets"] and all(p.count("/") == 1 for p in paths)


def test_no_two_modules_share_a_name_outside_the_documented_conventions():
    shared = {
        name: sorted(paths)
        for name, paths in module_paths_by_name().items()
        if len(paths) > 1 and name not in CONVENTIONAL and not is_a_model_and_its_rest_read(paths)
    }
    assert shared == {}


def test_the_check_finds_a_shared_name():
    assert not is_a_model_and_its_rest_read(["internal/nodes.py", "nodes/nodes.py"])
    assert not is_a_model_and_its_rest_read(["viewsets/channel.py", "viewsets/sync/handlers/channel.py"])
    assert is_a_model_and_its_rest_read(["models/channel.py", "viewsets/channel.py"])
