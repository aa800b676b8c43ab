"""Backbones, initializers, aggregators, transits, decoders and the models built from them."""


def renamed_keys_hook(old, new):
    """A load-state-dict pre-hook that maps ``<prefix><old>.*`` to ``<prefix><new>.*``, so that
    checkpoints written before a submodule was renamed still load."""

    def hook(module, state_dict, prefix, *args):
        for key in [k for k in state_dict if k.startswith(prefix + old + ".")]:
            state_dict[prefix + new + key[len(prefix + old):]] = state_dict.pop(key)

    return hook
