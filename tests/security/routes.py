"""Every URL pattern of the project, read from the resolver, so a new view shows up here by itself."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_KWARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>|\(\?P<(?P<re_name>\w+)>")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route string, its namespaced name, and the names of its URL kwargs."""

    route: str
    name: str | None
    kwargs: tuple[str, ...]
    callback: Callable[..., object]

    @property
    def key(self) -> str:
        """The table key: the namespaced name, or the route itself for unnamed patterns."""
        return self.name or self.route

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    def path(self, values: dict[str, object]) -> str:
        """The concrete path for these kwarg values, built from the pattern so unnamed routes work too."""
        path = self.route
        for name in self.kwargs:
            value = str(values[name])
            path = re.sub(rf"\(\?P<{name}>[^)]*\)", value, path)
            path = re.sub(rf"<(?:[^>:]+:)?{name}>", value, path)
        path = path.replace("^", "").replace("$", "")
        return "/" + path


def _walk(patterns: list[object], prefix: str, namespace: str) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            names = tuple(m.group("name") or m.group("re_name") for m in _KWARG.finditer(route))
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Route(route=route, name=name, kwargs=names, callback=pattern.callback)


def all_routes() -> list[Route]:
    """Every pattern the root URLconf serves, in resolution order."""
    return list(_walk(get_resolver().url_patterns, "", ""))
