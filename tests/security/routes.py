"""Every URL pattern of the project, read from the resolver, so a new view shows up here by itself."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

_KWARG = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>|\(\?P<(?P<re_name>\w+)>|(?P<positional>\((?!\?))")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route string, its namespaced name, and its arguments (positional ones as argN)."""

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
            if name.startswith("arg"):
                path = re.sub(r"\((?!\?)[^)]*\)", value, path, count=1)
                continue
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
            names = []
            for match in _KWARG.finditer(route):
                # Unnamed regex groups are positional arguments: arg0, arg1, ...
                names.append(match.group("name") or match.group("re_name") or f"arg{len(names)}")
            names = tuple(names)
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Route(route=route, name=name, kwargs=names, callback=pattern.callback)


def all_routes() -> list[Route]:
    """Every pattern the root URLconf serves, in resolution order."""
    return list(_walk(get_resolver().url_patterns, "", ""))
