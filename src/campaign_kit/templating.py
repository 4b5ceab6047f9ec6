"""The one Jinja environment: finds templates, sandboxes them, and names their errors.

Templates are product data a person edits, and roster values reach them, so they run in a
sandbox with ``StrictUndefined`` (a misspelt variable is an error, not an empty string), and
autoescape is on exactly for HTML and MJML, where a name containing ``<`` or ``&`` must stay text.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from campaign_kit.errors import TemplateError

AUTOESCAPE_EXTENSIONS = ("html", "htm", "mjml", "xml")


def _autoescape(name: str | None) -> bool:
    return bool(name) and name.rsplit(".", 1)[-1] in AUTOESCAPE_EXTENSIONS  # type: ignore[union-attr]


@lru_cache(maxsize=8)
def environment(templates_dir: Path) -> SandboxedEnvironment:
    """Return the process's Jinja environment for ``templates_dir`` (built once per directory)."""
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return env


def render(templates_dir: Path, name: str, context: Mapping[str, Any]) -> str:
    """Render template ``name`` with ``context``; turn every Jinja failure into ``TemplateError``.

    The message names the template file and, where Jinja knows it, the line.
    """
    env = environment(templates_dir)
    where = templates_dir / name
    try:
        template = env.get_template(name)
        return template.render(context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{templates_dir / str(exc.name)}: template not found") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{exc.filename or where}: line {exc.lineno}: template syntax error: {exc.message}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(_with_line(exc, where, f"undefined: {exc.message}")) from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"{where}: not allowed in a template: {exc}") from None
    except TemplateError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, ZeroDivisionError) as exc:
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None


def _with_line(exc: BaseException, where: Path, message: str) -> str:
    """``file: line N: message`` from the innermost template frame of ``exc``'s traceback.

    Jinja rewrites tracebacks so that template code appears with the template's file and line;
    the innermost such frame is where the failing expression is (an imported words file, say).
    """
    found: tuple[str, int] | None = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return f"{where}: {message}"
    return f"{found[0]}: line {found[1]}: {message}"


def template_files(templates_dir: Path, prefix: str = "") -> list[Path]:
    """Every file under ``templates_dir/prefix``, sorted (for digests and checks)."""
    root = templates_dir / prefix
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file())
