"""Experiment configs: plain Python files whose nodes are ``dict(type=callable, **kwargs)``.

``load_config`` executes a config file as a uniquely named module (so two files that share a name
never collide) after the configs its ``_base_`` names, merged under it; ``apply_overrides`` changes
values by dotted path; ``resolve_config`` replaces every ``ref("knob")`` by the value it reads;
``build`` turns nodes into objects recursively; ``dump_config`` writes a resolved config back as an
importable file (``load_config_text`` reads one stored in a checkpoint, ``config_differences``
compares two, ``with_defaults`` fills in constructor defaults). Every error names the dotted
config path it concerns.
"""

import ast
import hashlib
import importlib
import importlib.util
import inspect
import itertools
import math
import operator
import os
import pprint
import re
import sys
import types
import typing


class ConfigError(ValueError):
    """A config value is missing, misspelt or of the wrong kind; the message names its path."""


def load_config(path):
    """Execute the config file at ``path`` and return its entries as a dict.

    Entries are the module's top-level names, except private ones (``_x``), modules, and classes
    or functions bound under their own name (imports and definitions the nodes refer to). A config
    whose ``_base_`` names another config file (or a list of them, relative to its own folder)
    starts from their entries, merged in order, and its own entries are merged over them
    (``merge_entries``).
    """
    return _strip_replace_marks(_load(os.path.abspath(path), ()))


def _load(path, chain):
    if not os.path.isfile(path):
        via = f" (the _base_ of {chain[-1]})" if chain else ""
        raise FileNotFoundError(f"config file not found: {path}{via}")
    if path in chain:
        raise ConfigError(f"{path}: _base_ chain loops: {' -> '.join(chain + (path,))}")
    spec = importlib.util.spec_from_file_location(_module_name(path), path)
    module = importlib.util.module_from_spec(spec)
    own = _execute(module, lambda: spec.loader.exec_module(module), path)
    bases = getattr(module, "_base_", [])
    bases = [bases] if isinstance(bases, str) else bases
    if not (isinstance(bases, (list, tuple)) and all(isinstance(b, str) for b in bases)):
        raise ConfigError(f"{path}: _base_ must be a config file name or a list of them, got {bases!r}")
    cfg = {}
    for base in bases:
        cfg = merge_entries(cfg, _load(os.path.join(os.path.dirname(path), base), chain + (path,)))
    return merge_entries(cfg, own)


def merge_entries(base, child):
    """``child`` merged over ``base``: dicts merge key by key, recursively; any other value, a node
    whose ``type`` differs from the base node's, and a dict with ``_delete_=True`` (see
    ``replace``) take the base's place whole."""
    if not isinstance(child, dict):
        return child
    whole = (child.get("_delete_", False) or not isinstance(base, dict)
             or ("type" in child and "type" in base and child["type"] != base["type"]))
    merged = {} if whole else dict(base)
    for key, value in child.items():
        merged[key] = value if key == "_delete_" else merge_entries(merged.get(key), value)
    return merged


def _strip_replace_marks(value):
    """``value`` without the ``_delete_`` marks, which a config keeps until it is merged over the
    configs that name it in their ``_base_``."""
    if isinstance(value, dict):
        return {k: _strip_replace_marks(v) for k, v in value.items() if k != "_delete_"}
    return value


def replace(node):
    """``node`` marked to replace, not merge into, what a ``_base_`` config has at its place."""
    return dict(node, _delete_=True)


def load_config_text(source, origin):
    """The entries of a config given as source text (the one a checkpoint stores); ``origin``
    names where the text came from, in errors and in the module's name."""
    module = types.ModuleType(_module_name(origin))
    module.__file__ = origin
    return _execute(module, lambda: exec(compile(source, origin, "exec"), vars(module)), origin)


def _module_name(origin):
    """A module name unique to ``origin``, so two configs that share a file name never collide."""
    digest = hashlib.sha1(origin.encode()).hexdigest()[:12]
    stem = os.path.splitext(os.path.basename(origin))[0]
    return f"ocb_config_{digest}_" + "".join(c if c.isalnum() else "_" for c in stem)


def _execute(module, run, origin):
    """Run a config module's code and collect its entries (see ``load_config``)."""
    sys.modules[module.__name__] = module  # pickling a class defined inside the config needs the module
    try:
        run()
    except Exception as e:
        sys.modules.pop(module.__name__, None)
        raise ConfigError(f"{origin}: executing the config failed: {type(e).__name__}: {e}") from e
    cfg = {}
    for key, value in vars(module).items():
        if key.startswith("_") or isinstance(value, types.ModuleType):
            continue
        if callable(value) and getattr(value, "__name__", None) == key:
            continue
        cfg[key] = value
    return cfg


def _parse_value(text):
    """A Python literal, or the text itself when it is not one (``precision=bf16``)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _step_into(container, key, path):
    """Return ``container[key]`` where key may index a list; raise naming ``path`` if absent."""
    if isinstance(container, dict):
        if key not in container:
            keys = ", ".join(map(str, container)) or "(none)"
            raise ConfigError(f"config path '{path}' names nothing: available keys are {keys}")
        return container[key]
    if isinstance(container, (list, tuple)):
        if not (key.lstrip("-").isdigit() and -len(container) <= int(key) < len(container)):
            raise ConfigError(
                f"config path '{path}' names nothing: index must be an integer in "
                f"[0, {len(container)})"
            )
        return container[int(key)]
    raise ConfigError(f"config path '{path}' names nothing: its parent is a {type(container).__name__}")


def set_by_path(cfg, dotted, value, new_top_level=()):
    """Set ``cfg[a][b]...`` for ``dotted = "a.b..."``; lists are indexed by integers.

    The last key may be new only inside a node that has a ``type`` (an extra keyword argument,
    checked against the callable's signature at build time) or, at the top level, when it is one
    of ``new_top_level``; anywhere else it must exist.
    """
    parts = dotted.split(".")
    if len(parts) == 1 and dotted in new_top_level:
        cfg[dotted] = value
        return
    node = cfg
    for i, key in enumerate(parts[:-1]):
        node = _step_into(node, key, ".".join(parts[: i + 1]))
    last = parts[-1]
    if isinstance(node, list):
        _step_into(node, last, dotted)
        node[int(last)] = value
    elif isinstance(node, dict):
        if last not in node and "type" not in node:
            _step_into(node, last, dotted)
        node[last] = value
    else:
        raise ConfigError(f"config path '{dotted}' cannot be set: its parent is a {type(node).__name__}")


def apply_overrides(cfg, options, new_top_level=()):
    """Apply ``["a.b=1", "c=[1, 2]"]`` (dotted paths, Python literals) to ``cfg`` in place.

    ``new_top_level`` names top-level keys that may be set even when the config lacks them.
    """
    for option in options or []:
        if "=" not in option:
            raise ConfigError(f"override '{option}' must look like key.path=value")
        dotted, text = option.split("=", 1)
        set_by_path(cfg, dotted.strip(), _parse_value(text.strip()), new_top_level)
    return cfg


def _resolve_type(kind, path):
    """The callable a node's ``type`` names: the object itself, or a ``"module.attr"`` string."""
    if callable(kind):
        return kind
    if isinstance(kind, str) and "." in kind:
        module_name, _, attr = kind.rpartition(".")
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as e:
            raise ConfigError(f"{path}.type: cannot import '{kind}': {e}") from e
    raise ConfigError(f"{path}.type must be a class or function (or 'module.Name'), got {kind!r}")


_SIMPLE = (bool, int, float, str)


def _accepts(annotation, value):
    """True unless ``annotation`` is a plain scalar type (or Optional of one) that ``value`` is not."""
    allowed = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else (annotation,)
    if not all(a in _SIMPLE or a is type(None) for a in allowed):
        return True
    if bool in allowed or not isinstance(value, bool):
        if isinstance(value, tuple(a for a in allowed if a is not type(None))):
            return True
        if float in allowed and isinstance(value, int) and not isinstance(value, bool):
            return True
    return value is None and type(None) in allowed


def _check_call(fn, kwargs, path):
    """Check ``kwargs`` against ``fn``'s signature: unknown, missing and mistyped arguments."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    name = getattr(fn, "__qualname__", repr(fn))
    params = signature.parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if not takes_any:
        unknown = [k for k in kwargs if k not in named]
        if unknown:
            raise ConfigError(
                f"{path}: {name} got unknown argument(s) {', '.join(unknown)}; "
                f"it accepts: {', '.join(named) or '(none)'}"
            )
    missing = [
        n for n in named
        if params[n].default is inspect.Parameter.empty and n not in kwargs and n != "self"
    ]
    if missing:
        raise ConfigError(f"{path}: {name} is missing required argument(s) {', '.join(missing)}")
    for key, value in kwargs.items():
        hint = params[key].annotation if key in params else inspect.Parameter.empty
        if hint is not inspect.Parameter.empty and not isinstance(hint, str) and not _accepts(hint, value):
            raise ConfigError(
                f"{path}.{key}: {name} expects {getattr(hint, '__name__', hint)}, "
                f"got {type(value).__name__} {value!r}"
            )


def build(node, path="cfg", **extra):
    """Build ``node`` recursively; ``extra`` kwargs are added to a top node with a ``type``."""
    if isinstance(node, dict) and "type" in node:
        fn = _resolve_type(node["type"], path)
        kwargs = {k: build(v, f"{path}.{k}") for k, v in node.items() if k != "type"}
        kwargs.update(extra)
        _check_call(fn, kwargs, path)
        try:
            return fn(**kwargs)
        except ConfigError:
            raise
        except Exception as e:
            name = getattr(fn, "__qualname__", repr(fn))
            raise ConfigError(f"{path}: building {name} failed: {type(e).__name__}: {e}") from e
    if extra:
        raise ConfigError(f"{path}: expected a node with a 'type' to build, got {type(node).__name__}")
    return _map_children(node, build, path)


def _map_children(value, fn, path):
    """``fn(child, child_path)`` over the items of a dict, list or tuple, kept in its kind;
    any other value as it is."""
    if isinstance(value, dict):
        return {k: fn(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(fn(v, f"{path}.{i}") for i, v in enumerate(value))
    return value


def require(cfg, key, kinds):
    """``cfg[key]``, raising a ConfigError naming the key when it is absent or of the wrong kind."""
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if key not in cfg:
        raise ConfigError(f"config key '{key}' is required but missing")
    value = cfg[key]
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = "/".join(k.__name__ for k in kinds)
        raise ConfigError(f"config key '{key}' must be {names}, got {type(value).__name__} {value!r}")
    return value


class Ref:
    """A value that ``resolve_config`` reads from elsewhere in the config: ``ref("slot_dim")`` (a
    top-level knob) or ``ref("dataset_t.chunk_len")`` (a dotted path). Arithmetic on refs makes a
    ref (``2 * ref("feature_dim")``, ``ref("name") + "/train.lmdb"``), computed when resolved, so an
    override of a knob reaches every value derived from it."""

    def __init__(self, compute, reads, text):
        self._compute, self.reads, self.text = compute, reads, text

    def value(self, read):
        """The value, with ``read(path)`` giving the resolved value at a dotted path."""
        return self._compute(read)

    def __repr__(self):
        return self.text

    def __bool__(self):
        raise ConfigError(f"{self.text} has no truth value before the config is resolved; "
                          "branch on a plain value instead")


def ref(path):
    """A ``Ref`` to the value at ``path``: a top-level name or a dotted path (``model.decoder.dim``)."""
    if not isinstance(path, str) or not path:
        raise ConfigError(f"ref() takes a config path such as 'num_slots', got {path!r}")
    return Ref(lambda read: read(path), (path,), f"ref({path!r})")


def _operand(x, read):
    return x.value(read) if isinstance(x, Ref) else x


def _reads(x):
    return x.reads if isinstance(x, Ref) else ()


def _arithmetic(op, symbol, reflected=False):
    def method(self, other):
        left, right = (other, self) if reflected else (self, other)
        return Ref(lambda read: op(_operand(left, read), _operand(right, read)),
                   _reads(left) + _reads(right), f"({left!r} {symbol} {right!r})")
    return method


for _name, _op, _symbol in [("add", operator.add, "+"), ("sub", operator.sub, "-"),
                            ("mul", operator.mul, "*"), ("truediv", operator.truediv, "/"),
                            ("floordiv", operator.floordiv, "//"), ("mod", operator.mod, "%"),
                            ("pow", operator.pow, "**")]:
    setattr(Ref, f"__{_name}__", _arithmetic(_op, _symbol))
    setattr(Ref, f"__r{_name}__", _arithmetic(_op, _symbol, reflected=True))
Ref.__neg__ = lambda self: Ref(lambda read: -self.value(read), self.reads, f"-{self!r}")


def iter_values(value):
    """``value`` and everything inside it (dict values, list and tuple items), depth first."""
    yield value
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    for item in items:
        yield from iter_values(item)


KNOBS_KEY = "knobs"


def resolve_config(cfg, reserved=None):
    """``cfg`` with every ``Ref`` replaced by the value it reads, after the overrides.

    With ``reserved`` (the names the engine reads), every other top-level name is a knob: it must
    be read by some ref (else it is refused as an unknown key, which catches typos), and it leaves
    the entries for a record ``knobs = {name: resolved value}``. A resolved config (no refs, no
    knobs) resolves to itself.
    """
    done, active = {}, []

    def read(path):
        if path in done:
            return done[path]
        if path in active:
            raise ConfigError(f"config refs form a cycle: {' -> '.join(active[active.index(path):] + [path])}")
        value = cfg
        parts = path.split(".")
        for i, key in enumerate(parts):
            if isinstance(value, Ref):
                raise ConfigError(f"ref('{path}') reads through {'.'.join(parts[:i])}, itself a ref: refer to the knob")
            value = _step_into(value, key, ".".join(parts[: i + 1]))
        active.append(path)
        done[path] = resolved = walk(value, path)
        active.pop()
        return resolved

    def walk(value, path):
        if isinstance(value, Ref):
            try:
                return walk(value.value(read), path)
            except ConfigError as e:
                raise ConfigError(f"{path} = {value!r}: {e}") from e
            except Exception as e:
                raise ConfigError(f"{path} = {value!r} cannot be computed: {type(e).__name__}: {e}") from e
        return _map_children(value, walk, path)

    resolved = {key: read(key) for key in cfg}
    if reserved is None:
        return resolved
    knobs = [key for key in cfg if key not in reserved]
    read_roots = {r.split(".")[0] for ref_ in iter_values(cfg) if isinstance(ref_, Ref) for r in ref_.reads}
    unread = [key for key in knobs if key not in read_roots]
    if unread:
        raise ConfigError(
            f"unknown config key(s): {', '.join(unread)}: neither a key the engine reads nor a knob "
            f"that a ref() reads. Known keys: {', '.join(sorted(reserved))}. "
            "Name helper variables of a config with a leading underscore."
        )
    entries = {key: value for key, value in resolved.items() if key in reserved}
    if knobs:
        entries[KNOBS_KEY] = dict(resolved.get(KNOBS_KEY, {}), **{key: resolved[key] for key in knobs})
    return entries


def with_defaults(node):
    """``node`` with every built node's unset keyword arguments written out at their defaults
    (those that a config can spell: numbers, strings, None, callables, tuples and lists of them)."""
    filled = _map_children(node, lambda value, _: with_defaults(value), "")
    if isinstance(node, dict) and "type" in node:
        try:
            params = inspect.signature(_resolve_type(node["type"], "cfg")).parameters.values()
        except (TypeError, ValueError, ConfigError):
            params = ()
        for p in params:
            if (p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in filled
                    and p.default is not p.empty and _spellable(p.default)):
                filled[p.name] = p.default
    return filled


def _spellable(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_spellable(v) for v in value)
    return callable(value) and hasattr(value, "__module__") and hasattr(value, "__qualname__") and "<" not in value.__qualname__


class _Ref:
    """Renders an imported callable as its alias in a dumped config."""

    def __init__(self, alias):
        self.alias = alias

    def __repr__(self):
        return self.alias


def dump_config(cfg):
    """Python source that ``load_config`` turns back into ``cfg`` (callables become imports)."""
    imports = {}

    def convert(value):
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, tuple):
            return tuple(convert(v) for v in value)
        if callable(value) and hasattr(value, "__module__") and hasattr(value, "__qualname__"):
            key = (value.__module__, value.__qualname__)
            if key not in imports:
                imports[key] = f"_{value.__qualname__.replace('.', '_')}_{len(imports)}"
            return _Ref(imports[key])
        return value

    body = {k: convert(v) for k, v in cfg.items()}
    lines = ["# Resolved config written by object_centric_bench; load it with load_config().", "import importlib"]
    for (module, qualname), alias in imports.items():
        head, *rest = qualname.split(".")
        attr = "".join(f".{r}" for r in rest)
        lines.append(f"{alias} = importlib.import_module({module!r}).{head}{attr}")
    lines.append("")
    for key, value in body.items():
        lines.append(f"{key} = {pprint.pformat(value, width=100, sort_dicts=False)}")
    return "\n".join(lines) + "\n"


_ALIAS_LINE = re.compile(r"^(_\w+) = importlib\.import_module\((.+)\)\.([\w.]+)$")
_ENTRY_LINE = re.compile(r"^([A-Za-z]\w*) = ")


def _dumped_entries(source):
    """{top-level name: its lines} of a ``dump_config`` text, each import alias replaced by the
    ``module.name`` it stands for (aliases are numbered in order of use, so they may shift)."""
    aliases, entries, lines = {}, {}, None
    for line in source.splitlines():
        alias, entry = _ALIAS_LINE.match(line), _ENTRY_LINE.match(line)
        if alias:
            aliases[alias.group(1)] = f"{ast.literal_eval(alias.group(2))}.{alias.group(3)}"
            lines = None
        elif entry:
            lines = entries[entry.group(1)] = [line]
        elif lines is not None and line:
            lines.append(line)
    if aliases:
        names = re.compile(r"\b(" + "|".join(map(re.escape, aliases)) + r")\b")
        entries = {k: [names.sub(lambda m: aliases[m.group(1)], line) for line in v] for k, v in entries.items()}
    return entries


def config_differences(old, new):
    """The top-level names whose values differ between two ``dump_config`` texts, each with its
    first differing line in ``old`` and in ``new`` (``"(absent)"`` for a name one of them lacks)."""
    old_entries, new_entries = _dumped_entries(old), _dumped_entries(new)
    differences = {}
    for key in [*old_entries, *(k for k in new_entries if k not in old_entries)]:
        a, b = old_entries.get(key, []), new_entries.get(key, [])
        if a != b:
            first = next(i for i, (x, y) in enumerate(itertools.zip_longest(a, b)) if x != y)
            differences[key] = tuple(lines[first].strip() if first < len(lines) else "(absent)" for lines in (a, b))
    return differences
