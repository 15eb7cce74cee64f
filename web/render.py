"""HTML pages from the Jinja templates, with jinja2 imported when the first page is rendered.

A bot that nobody opens the console of never needs the template engine: importing jinja2 and
aiohttp_jinja2 at start cost every process about 2 MB (issue 14, point 7). The environment is the one
``aiohttp_jinja2.setup`` would build (its ``url``/``static`` helpers, ``app`` global, our filters), and
the per-request globals are added like its context processors were.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

TemplateGlobals = Callable[[web.Request], Mapping[str, Any]]
# Each template's code by (name, source checksum), for every app this process builds: a process serves one
# app, but the test suite builds one per test, and jinja2 keeps what it compiled per environment only.
_COMPILED: dict[tuple[str, str | None], Any] = {}


def compiled_templates(store: dict[tuple[str, str | None], Any] | None = None) -> Any:
    """A jinja2 bytecode cache keeping compiled templates in ``store`` (the process's by default): a template is
    compiled once per process, and again when its source changes (its checksum)."""
    import jinja2

    code = _COMPILED if store is None else store

    class CompiledTemplates(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            bucket.code = code.get((bucket.key, bucket.checksum))

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if bucket.code is not None:
                code[(bucket.key, bucket.checksum)] = bucket.code

    return CompiledTemplates()


@dataclass
class Templates:
    """How to build the template environment, and the environment once built."""

    directory: Path
    filters: dict[str, Callable[..., Any]]
    request_globals: TemplateGlobals  # values every page sees, from the request (the signed-in admin …)
    _env: Any = field(default=None, repr=False)  # jinja2.Environment, built on the first render

    def environment(self, app: web.Application) -> Any:
        if self._env is None:
            import jinja2
            from aiohttp_jinja2.helpers import GLOBAL_HELPERS

            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(self.directory),
                autoescape=jinja2.select_autoescape(["html", "svg"], default=True),
                trim_blocks=True,
                lstrip_blocks=True,
                bytecode_cache=compiled_templates(),
            )
            env.globals.update(GLOBAL_HELPERS)
            env.globals["app"] = app
            env.filters.update(self.filters)
            self._env = env
        return self._env


TEMPLATES = web.AppKey("templates", Templates)


def render_string(template_name: str, request: web.Request, context: Mapping[str, Any]) -> str:
    templates = request.config_dict[TEMPLATES]
    env = templates.environment(request.app)
    values = {"app": request.app, **templates.request_globals(request), **context}
    rendered: str = env.get_template(template_name).render(values)
    return rendered


def render_template(template_name: str, request: web.Request, context: Mapping[str, Any] | None, *,
                    status: int = 200) -> web.Response:
    """A text/html response of the template rendered with ``context``."""
    response = web.Response(status=status, content_type="text/html", charset="utf-8")
    response.text = render_string(template_name, request, context or {})
    return response
