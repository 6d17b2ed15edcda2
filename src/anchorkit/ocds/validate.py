"""Check a release package against the official OCDS 1.1 schema, offline.

The package schema refers to the release schema by its URL; the vendored copy (``schema/``, see
its SOURCE.md) is registered under that URL, so nothing is fetched. jsonschema comes with
altair (a dependency of the dashboard), so it is always there; it is imported only when used.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

PACKAGE_SCHEMA = "release-package-schema.json"
RELEASE_SCHEMA = "release-schema.json"
#: how many problems a failed validation lists; the first few say what to fix
MAX_PROBLEMS = 20


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("anchorkit.ocds").joinpath("schema", name).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Any:
    from jsonschema import Draft4Validator  # type: ignore[import-untyped]
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    release = _schema(RELEASE_SCHEMA)
    registry: Registry[Any] = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(_schema(PACKAGE_SCHEMA), registry=registry)


def validate_package(package: Any) -> list[str]:
    """Every way ``package`` breaks the OCDS 1.1 release-package schema (empty when valid),
    each as ``/json/pointer: message``, at most ``MAX_PROBLEMS``.

    >>> validate_package({"version": "1.1"})[0]
    "/: 'uri' is a required property"
    """
    problems = []
    for error in _validator().iter_errors(package):
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        problems.append(f"{where}: {error.message}")
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems
