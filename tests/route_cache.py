"""Build each router's FastAPI route state once per test run, not once per app.

The suite makes a fresh app for almost every test (its own database, limits and hub), and
FastAPI compiles every included route of a new app again: dependency signatures, pydantic
adapters for parameters, bodies and response models. For Fusen's 130-odd routes that is about
a second of CPU per app, most of the suite's run time, and the result is the same every time:
the routers are module-level objects and ``create_app`` includes them identically.

So the compiled state of an included route is kept, keyed by the route object and by every
field of the inclusion (prefix, dependencies, tags, response class, limits...), and handed to
the next app that includes the same route the same way. Only the dependency-overrides provider
is left out of the key: it is the app itself, and nothing in Fusen or its tests sets
``app.dependency_overrides`` (an app that did would see the first app's empty overrides).
Each app still has its own settings, database, hub and limits; only the framework's
description of the routes is shared. Live servers (``fusen serve`` in a subprocess) are
untouched and build their app as production does.

The hook sits on a private FastAPI class (``fastapi==0.165.0`` is pinned); if a later FastAPI
drops it, nothing is patched and the suite just runs slower.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import routing

_BUILT: dict[tuple[int, tuple[Any, ...]], tuple[object, Any]] = {}
_EffectiveRouteContext = getattr(routing, "_EffectiveRouteContext", None)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for one field of an inclusion, equal when the fields are equal."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((repr(key), _frozen(item)) for key, item in value.items()))
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _inclusion_key(include_context: Any) -> tuple[Any, ...]:
    # Worked out once per inclusion, which a dozen routes share, and kept on it.
    kept = getattr(include_context, "__dict__", {})
    key = kept.get("_shared_route_key")
    if key is None:
        key = tuple(
            (field.name, _frozen(getattr(include_context, field.name)))
            for field in dataclasses.fields(include_context)
            if field.name != "dependency_overrides_provider"
        )
        kept["_shared_route_key"] = key
    return key


def install() -> None:
    if _EffectiveRouteContext is None or not hasattr(_EffectiveRouteContext, "from_api_route"):
        return
    build = _EffectiveRouteContext.from_api_route.__func__
    if getattr(build, "shared_across_apps", False):
        return

    def from_api_route(cls: type, *, original_route: Any, include_context: Any) -> Any:
        # APIRoute is unhashable; the entry keeps the route alive, so its id is never reused.
        key = (id(original_route), _inclusion_key(include_context))
        built = _BUILT.get(key)
        if built is None or built[0] is not original_route:
            context = build(cls, original_route=original_route, include_context=include_context)
            built = _BUILT[key] = (original_route, context)
        return built[1]

    from_api_route.shared_across_apps = True  # type: ignore[attr-defined]
    _EffectiveRouteContext.from_api_route = classmethod(from_api_route)
