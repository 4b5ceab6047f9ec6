"""The one Jinja environment: finds templates, sandboxes them, and names their errors.

Templates are product data a person edits, and roster values reach them, so they run in a
sandbox with ``StrictUndefined`` (a misspelt variable is an error, not an empty string), and
autoescape is on exactly for HTML and MJML, where a name containing ``<`` or ``&`` must stay text.

A template also runs with a budget: at most ``TIME_LIMIT`` seconds and ``MAX_OUTPUT`` characters
of output or of any one string it builds (``'a' * 10**9``, a string doubled in a loop, a huge
format width, ``2 ** 10**9``), so a slip in a template ends in a ``TemplateError`` naming it
instead of a build that hangs or eats the machine's memory.

Templates are looked up along a search path (first folder wins), so an appeal can override a
few templates of ``templates/``; a compiled template is reused only while its file's content is
unchanged, so an edited template is never ignored within one process.
"""

from __future__ import annotations

import os
import re
import string
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from campaign_kit.campaign.typography import Rules, typeset
from campaign_kit.errors import TemplateError

AUTOESCAPE_EXTENSIONS = ("html", "htm", "mjml", "xml")
# The largest output a template may produce, and the longest string it may build: the review
# page of a whole roster is about 2 MB, so this leaves room without letting a loop eat memory.
MAX_OUTPUT = 16 * 1024 * 1024
# Wall-clock seconds one render may take (the slowest real template renders in well under 1 s).
TIME_LIMIT = 20.0
# The longest range a template may make (Jinja's sandbox default).
MAX_RANGE = 100_000
# ``**`` may build integers of at most this many bits (a 10,000-digit number is ~33,000 bits).
MAX_POWER_BITS = 64 * 1024

TemplatePath = Path | str | Sequence[Path | str]


class _Budget(threading.local):
    """The running render's deadline (per thread: texts may render in threads)."""

    deadline: float | None = None
    name: str = ""


_BUDGET = _Budget()


class _LimitExceeded(Exception):
    """A template went over its time or size budget (turned into ``TemplateError``)."""


def _tick() -> None:
    deadline = _BUDGET.deadline
    if deadline is not None and time.monotonic() > deadline:
        raise _LimitExceeded(f"ran longer than the {TIME_LIMIT:g}-second limit")


def _weight(value: Any, memo: dict[int, int] | None = None, depth: int = 0) -> int:
    """Roughly how many characters ``value`` becomes when printed (shared parts counted each time)."""
    if isinstance(value, str | bytes):
        return len(value)
    if not isinstance(value, list | tuple | dict) or depth > 20:
        return 1
    memo = {} if memo is None else memo
    key = id(value)
    if key not in memo:
        items = value.items() if isinstance(value, dict) else value
        total = len(value)
        for item in items:
            total += _weight(item, memo, depth + 1)
            if total > MAX_OUTPUT:
                break
        memo[key] = total
    return memo[key]


def _check_size(value: Any) -> Any:
    weight = _weight(value)
    if weight > MAX_OUTPUT:
        raise _too_big(weight)
    return value


def _too_big(n: int) -> _LimitExceeded:
    return _LimitExceeded(f"it would build a value of {n:,} characters (at most {MAX_OUTPUT:,})")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _precheck(name: str, subject: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """Refuse a filter or string method call whose result would blow the size budget."""
    values = [*args, *kwargs.values()]
    if name == "format" and isinstance(subject, str):
        _check_printf(subject, tuple(values))
    elif name == "replace" and isinstance(subject, str) and len(values) >= 2:
        old, new = values[0], values[1]
        if isinstance(old, str) and isinstance(new, str):
            hits = len(subject) + 1 if not old else subject.count(old)
            if len(new) > len(old) and hits * (len(new) - len(old)) + len(subject) > MAX_OUTPUT:
                raise _too_big(hits * (len(new) - len(old)) + len(subject))
    elif name == "join" and isinstance(subject, str) and values:
        # str.join(items): the separator goes between every pair of items.
        items = values[0]
        if isinstance(items, list | tuple):
            total = _weight(items) + len(subject) * len(items)
            if total > MAX_OUTPUT:
                raise _too_big(total)
    for v in values:
        if _is_int(v) and abs(v) > MAX_OUTPUT:
            raise _too_big(abs(v))


class _TimedRange(Sequence[int]):
    """``range`` for templates: capped in length and checking the deadline as it is iterated."""

    def __init__(self, *args: int) -> None:
        self._range = range(*args)
        if len(self._range) > MAX_RANGE:
            raise _LimitExceeded(f"a range of {len(self._range):,} items (at most {MAX_RANGE:,})")

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __iter__(self) -> Iterator[int]:
        for i, value in enumerate(self._range):
            if not i & 1023:
                _tick()
            yield value

    def __contains__(self, value: object) -> bool:
        return value in self._range

    def __repr__(self) -> str:
        return repr(self._range)


_PRINTF_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_printf(fmt: str, args: Any) -> None:
    """Refuse a ``%`` format whose widths would build an oversized string."""
    values = list(args) if isinstance(args, tuple) else [args]
    for match in _PRINTF_WIDTH.finditer(fmt):
        for width in match.groups():
            if width and width.isdigit() and int(width) > MAX_OUTPUT:
                raise _too_big(int(width))
        if "*" in (match.group(1), match.group(2)):
            for v in values:
                if _is_int(v) and abs(v) > MAX_OUTPUT:
                    raise _too_big(abs(v))


def _check_str_format(fmt: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse a ``str.format`` whose field widths would build an oversized string."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format itself reports the malformed string
    for _text, _field, spec, _conv in fields:
        if not spec:
            continue
        if "{" in spec:
            for v in (*args, *kwargs.values()):
                if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_OUTPUT:
                    raise _too_big(abs(v))
        for width in re.findall(r"\d+", spec):
            if int(width) > MAX_OUTPUT:
                raise _too_big(int(width))


def _binop(operator: str, left: Any, right: Any) -> Any:
    sequence = (str, list, tuple, bytes)
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, sequence) and _is_int(n) and _weight(seq) * max(n, 0) > MAX_OUTPUT:
                raise _too_big(_weight(seq) * n)
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            bits = abs(left).bit_length() * right
            if bits > MAX_POWER_BITS:
                raise _LimitExceeded(f"a power with {right:,} as exponent is too large to compute")
    elif operator == "%" and isinstance(left, str):
        _check_printf(left, right)
    return None


def _limited_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a built-in filter whose arguments could build an oversized string."""
    pass_arg = getattr(func, "jinja_pass_arg", None)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        rest = args[1:] if pass_arg is not None else args
        if rest:
            subject, extra = rest[0], list(rest[1:])
            if name == "join":
                # join(items, sep): the same check as sep.join(items)
                sep = extra[0] if extra else kwargs.get("d", "")
                items = list(subject) if isinstance(subject, list | tuple) else []
                _precheck("join", sep if isinstance(sep, str) else "", [items], {})
            else:
                _precheck(name, subject, extra, kwargs)
        _tick()
        return _check_size(func(*args, **kwargs))

    if pass_arg is not None:
        wrapper.jinja_pass_arg = pass_arg  # type: ignore[attr-defined]
    wrapper.__name__ = getattr(func, "__name__", name)
    return wrapper


class _LimitedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` so the joined string is checked against ``MAX_OUTPUT``."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 - Jinja's name
        self.write("environment.limit_size(")
        super().visit_Concat(node, frame)
        self.write(")")


class LimitedEnvironment(SandboxedEnvironment):
    """The sandbox plus a time and size budget (see the module's docstring)."""

    code_generator_class = _LimitedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.globals["range"] = _TimedRange
        # lipsum(n) builds n paragraphs in one call the budget cannot interrupt; no template needs it.
        self.globals.pop("lipsum", None)
        # Every built-in filter is checked: a width or count argument (center, indent, slice,
        # batch...) over the budget is refused before the filter runs, its result after.
        for name, func in list(self.filters.items()):
            if name not in ("default", "d"):
                self.filters[name] = _limited_filter(name, func)

    def limit_size(self, value: Any) -> Any:
        """Check a joined string against the size budget (called by compiled templates)."""
        _tick()
        return _check_size(value)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse operations whose result would blow the budget, then compute them."""
        _tick()
        _binop(operator, left, right)
        return _check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Check the deadline and the size budget at every call, then call as the sandbox does."""
        _tick()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str | bytes | list | tuple):
            _precheck(getattr(__obj, "__name__", ""), owner, args, kwargs)
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Check the deadline at every attribute read."""
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """Check the deadline at every subscript."""
        _tick()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Sandbox ``str.format`` as Jinja does, refusing field widths over the budget."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__
        is_map = value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            if is_map and len(args) == 1 and isinstance(args[0], Mapping):
                _check_str_format(fmt, (), args[0])
            else:
                _check_str_format(fmt, args, kwargs)
            return _check_size(wrapped(*args, **kwargs))

        return checked


class SearchPathLoader(jinja2.BaseLoader):
    """Find a template in the first folder of a search path that has it.

    A compiled template stays valid only while the same file still wins the search and its
    content is unchanged (compared byte for byte, not by mtime, which can miss an edit made in
    the same second), so an edited or newly overriding template is picked up at once.
    """

    def __init__(self, folders: tuple[Path, ...]) -> None:
        self.folders = folders
        self._roots = tuple(str(f) for f in folders)

    def _find(self, name: str) -> Path | None:
        # Plain string paths: this runs for every render (the freshness check), Path is slower.
        pieces = jinja2.loaders.split_template_path(name)
        for root in self._roots:
            path = os.path.join(root, *pieces)
            if os.path.isfile(path):
                return Path(path)
        return None

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        """Return the source, its file name and a check that both are still current."""
        path = self._find(template)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        try:
            raw = path.read_bytes()
        except OSError:
            raise jinja2.TemplateNotFound(template) from None
        try:
            source = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None

        def uptodate() -> bool:
            if self._find(template) != path:
                return False
            try:
                return path.read_bytes() == raw
            except OSError:
                return False

        return source, str(path), uptodate

    def list_templates(self) -> list[str]:
        """Every template name on the search path, each once, sorted."""
        found: set[str] = set()
        for folder in self.folders:
            for dirpath, _dirs, files in os.walk(folder):
                for file in files:
                    rel = os.path.relpath(os.path.join(dirpath, file), folder)
                    found.add(rel.replace(os.sep, "/"))
        return sorted(found)


def search_path(templates: TemplatePath) -> tuple[Path, ...]:
    """Normalise one folder or an ordered sequence of folders into a search path tuple."""
    if isinstance(templates, Path):
        return (templates,)
    if isinstance(templates, str):
        return (Path(templates),)
    folders = tuple(Path(t) for t in templates)
    if not folders:
        raise TemplateError("no template folder given")
    return folders


def appeal_search_path(templates: TemplatePath, appeal_key: str | None) -> tuple[Path, ...]:
    """The search path of one appeal: ``templates/appeals/<key>/`` first, when it exists.

    An appeal overrides the shared templates file by file (its story, subject, post wording)
    and shares the rest; a template it imports is looked up the same way.
    """
    folders = search_path(templates)
    if not appeal_key or "/" in appeal_key or appeal_key.startswith("."):
        return folders
    own = folders[-1] / "appeals" / appeal_key
    if own in folders or not own.is_dir():
        return folders
    return (own, *folders)


def _appeal_key(context: Mapping[str, Any]) -> str | None:
    appeal = context.get("appeal")
    key = appeal.get("key") if isinstance(appeal, Mapping) else None
    return key if isinstance(key, str) else None


def _autoescape(name: str | None) -> bool:
    return bool(name) and name.rsplit(".", 1)[-1] in AUTOESCAPE_EXTENSIONS  # type: ignore[union-attr]


def environment(templates: TemplatePath) -> LimitedEnvironment:
    """Return the process's Jinja environment for a template search path.

    Args:
        templates: One folder (``templates/``) or an ordered tuple of folders, first wins
            (``(templates/appeals/<key>, templates)``).

    Returns:
        The environment, built once per search path; its templates are recompiled whenever
        their file content changes.

    """
    return _environment(search_path(templates))


def _rules(context: Mapping[str, Any]) -> Rules | None:
    """The typography of the text being rendered: its locale's (``t``), if it has one."""
    rules = getattr(context.get("t"), "typography", None)
    return rules if isinstance(rules, Rules) else None


_TAG = re.compile(r"(<[^>]*>)")


@jinja2.pass_context
def _finalize(context: jinja2.runtime.Context, value: Any) -> Any:
    """Typeset every value an HTML or MJML template prints (plain text is typeset whole).

    Markup (a captured block of the template's own HTML) is typeset between its tags only.
    """
    if not context.eval_ctx.autoescape or not isinstance(value, str):
        return value
    rules = _rules(context)
    if rules is None:
        return value
    if isinstance(value, Markup):
        return Markup("".join(p if p.startswith("<") else typeset(p, rules) for p in _TAG.split(value)))
    return typeset(value, rules)


@jinja2.pass_context
def _typeset_filter(context: jinja2.runtime.Context, value: Any) -> str:
    """``{{ text | typeset }}``: the text in the template's language's typography."""
    rules = _rules(context)
    return typeset(str(value), rules) if rules is not None else str(value)


@lru_cache(maxsize=16)
def _environment(folders: tuple[Path, ...]) -> LimitedEnvironment:
    env = _new_environment(folders)
    env.filters["typeset"] = _typeset_filter
    return env


def _new_environment(folders: tuple[Path, ...]) -> LimitedEnvironment:
    return LimitedEnvironment(
        finalize=_finalize,
        loader=SearchPathLoader(folders),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # With the content check in the loader, "reload" means "recompile if the file changed".
        auto_reload=True,
    )


class _Where:
    """The template's file for messages, looked up only when a message needs it."""

    def __init__(self, env: LimitedEnvironment, folders: tuple[Path, ...], name: str) -> None:
        self.env, self.folders, self.name = env, folders, name

    def __str__(self) -> str:
        loader = self.env.loader
        found = loader._find(self.name) if isinstance(loader, SearchPathLoader) else None  # noqa: SLF001
        return str(found or self.folders[0] / self.name)


def render(templates: TemplatePath, name: str, context: Mapping[str, Any]) -> str:
    """Render template ``name`` with ``context``; turn every Jinja failure into ``TemplateError``.

    The template runs within ``TIME_LIMIT`` seconds and ``MAX_OUTPUT`` characters. The message
    names the template file and, where Jinja knows it, the line. A plain-text template with a
    locale (``t``) in its context comes out typeset whole (``typography.py``): its own words
    and the values it prints alike; an HTML/MJML template has each printed value typeset.
    """
    text = "".join(render_stream(templates, name, context))
    rules = None if _autoescape(name) else _rules(context)
    return typeset(text, rules) if rules is not None else text


def render_stream(templates: TemplatePath, name: str, context: Mapping[str, Any]) -> Iterator[str]:
    """:func:`render`, its text given piece by piece as the template makes it.

    For the pages too big to hold whole (a review page of every roll-call post): the caller
    writes each piece on. The limits and the messages are :func:`render`'s; a failure is raised
    from the iteration, so whatever the caller was writing must be dropped, not kept.
    """

    def run() -> Iterator[str]:
        folders = appeal_search_path(templates, _appeal_key(context))
        yield from _environment(folders).get_template(name).generate(context)

    return _guarded(templates, name, context, run)


def _guarded(
    templates: TemplatePath, name: str, context: Mapping[str, Any], run: Callable[[], Iterator[str]]
) -> Iterator[str]:
    """Run ``run``'s pieces within the budget, turning every Jinja failure into ``TemplateError``."""
    folders = appeal_search_path(templates, _appeal_key(context))
    env = _environment(folders)
    where = _Where(env, folders, name)
    outer = _BUDGET.deadline
    if outer is None:
        _BUDGET.deadline = time.monotonic() + TIME_LIMIT
    try:
        size = 0
        for chunk in run():
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise _LimitExceeded(f"its output is longer than {MAX_OUTPUT:,} characters")
            _tick()
            yield chunk
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"{folders[0] / str(exc.name)}: template not found") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{exc.filename or where}: line {exc.lineno}: template syntax error: {exc.message}"
        ) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(_with_line(exc, where, f"undefined: {exc.message}")) from None
    except jinja2.exceptions.SecurityError as exc:
        raise TemplateError(f"{where}: not allowed in a template: {exc}") from None
    except _LimitExceeded as exc:
        raise TemplateError(f"{where}: template stopped: {exc}") from None
    except TemplateError:
        raise
    except RecursionError:
        raise TemplateError(f"{where}: template stopped: it recurses too deeply") from None
    except MemoryError:
        raise TemplateError(f"{where}: template stopped: out of memory") from None
    except (
        TypeError,
        ValueError,
        KeyError,
        IndexError,
        AttributeError,
        AssertionError,  # Jinja's filters assert on bad arguments (truncate(-1))
        ArithmeticError,
        jinja2.TemplateRuntimeError,
    ) as exc:
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None
    finally:
        if outer is None:
            _BUDGET.deadline = None


def render_module(templates: TemplatePath, name: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """Run a words template and return the variables it sets (``{% set label = ... %}``).

    For texts made of several named parts (a card's label, hero, call to action): the parts
    are written in Jinja like every other text, and the caller takes them by name. The limits
    and the messages are :func:`render`'s.
    """
    exported: dict[str, Any] = {}

    def run() -> Iterator[str]:
        # A generator, so render_stream's guard (limits, messages) wraps the module's making.
        folders = appeal_search_path(templates, _appeal_key(context))
        template = _environment(folders).get_template(name)
        module = template.make_module(dict(context))
        # A set to an undefined value fails here, inside the guard, not later in the caller.
        exported.update(
            (k, str(v) if isinstance(v, jinja2.Undefined) else v) for k, v in module.__dict__.items()
        )
        yield str(module)

    for _chunk in _guarded(templates, name, context, run):
        pass
    return {k: v for k, v in exported.items() if not k.startswith("_")}


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
