"""The pack: one namespace per step, and the key-path wiring between its producers and consumers.

``pack.batch`` holds what the loader gave, ``pack.output`` what the model returned, ``pack.loss``
and ``pack.metric`` what the losses and metrics computed. Models, losses, metrics and
post-processing steps name the paths they read (``"output.mask"``, ``"batch.segment"``), so
adding one never changes the training loop.
"""

ROOTS = ("batch", "output", "loss", "metric")


class PackPathError(KeyError):
    """A declared path names nothing in the pack; the message lists what does exist."""

    def __str__(self):
        return self.args[0]


class Pack:
    def __init__(self, batch):
        self.batch = batch
        self.output = {}
        self.loss = {}
        self.metric = {}

    def _root(self, path):
        root, _, rest = path.partition(".")
        if root not in ROOTS or not rest:
            raise PackPathError(f"path '{path}' must start with one of {', '.join(ROOTS)} and name a key")
        return getattr(self, root), rest

    def get(self, path):
        node, rest = self._root(path)
        walked = path.partition(".")[0]
        for key in rest.split("."):
            if not isinstance(node, dict) or key not in node:
                keys = ", ".join(sorted(node)) if isinstance(node, dict) else f"(a {type(node).__name__})"
                raise PackPathError(f"path '{path}' names nothing: '{walked}' has keys: {keys}")
            node = node[key]
            walked += f".{key}"
        return node

    def set(self, path, value):
        node, rest = self._root(path)
        *parents, last = rest.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    def gather(self, mapping):
        """``{name: pack.get(path)}`` for a ``{name: path}`` mapping."""
        return {name: self.get(path) for name, path in mapping.items()}


class Bound:
    """A callable bound to pack paths: ``Bound(fn, map, weight)(pack)`` calls fn with mapped kwargs."""

    def __init__(self, name, fn, map, weight=1.0):
        self.name = name
        self.fn = fn
        self.map = dict(map)
        self.weight = weight

    def __call__(self, pack):
        return self.fn(**pack.gather(self.map))


def bind_all(built, kind):
    """Turn a built ``{name: dict(fn=..., map=..., weight=...)}`` config entry into Bound objects."""
    bound = {}
    for name, item in (built or {}).items():
        if not isinstance(item, dict) or "fn" not in item or "map" not in item:
            raise PackPathError(f"{kind}.{name} must be dict(fn=<node>, map={{kwarg: 'pack.path'}}[, weight=w])")
        unknown = set(item) - {"fn", "map", "weight"}
        if unknown:
            raise PackPathError(f"{kind}.{name} has unknown key(s) {', '.join(sorted(unknown))}; allowed: fn, map, weight")
        bound[name] = Bound(name, item["fn"], item["map"], item.get("weight", 1.0))
    return bound
