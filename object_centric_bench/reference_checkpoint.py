"""Convert a checkpoint of the RandSF.Q v3 reference code into one of this project's.

The reference saves its video models (VideoSAUR, SlotContrast, RandSF.Q and RandSF.Q-tsim) as the
weights-only state dict of its model wrapper, every key starting with ``m.``; ``train.py
--ckpt_file`` and ``eval.py --ckpt_file`` read such files directly, and ``python convert.py
checkpoint --src FILE --cfg_file CONFIG --dst OUT`` writes one as a checkpoint of ours.

``reference_state_dict(reference, model)`` renames such a dict into ``model``'s keys through one
explicit map: each reference module prefix names one of our submodules, and each of our module
classes lists how the reference's parameter names become its own. Every reference key must map to
a key of ``model`` with the same number of values (leading unit axes may differ), and every key of
``model`` must be filled; anything else is an error naming the keys.
"""

import copy
import os
import re

import torch

from .model.backbone import DINOv2
from .model.decoder_dias import PartiallyVisibleDecoder
from .model.decoder_mlp import BroadcastMLPDecoder
from .model.decoder_slotmixer import SlotMixerDecoder
from .model.initializer import BoxInitializer, GaussianInitializer
from .model.predictor import TransformerPredictor
from .model.projection import EncoderProjection
from .model.slot_attention import SlotAttention
from .model.transit import RandomSlotFeatureTransit

PREFIX = "m."
# reference module prefix -> the attribute of our video model holding that part (the transit
# prefix holds VideoSAUR's predictor or RandSF.Q's transit: the model's ``query_module``)
MODULES = {
    "encode_backbone.1.": "backbone",  # index 0 of the reference's backbone is its resize
    "encode_project.": "projection",
    "initializ.": "initializer",
    "aggregat.": "aggregator",
    "transit.": None,
    "decode.": "decoder",
}
_TRANSFORMER_DECODER_LAYER = [  # torch's TransformerDecoderLayer names -> PreNormDecoderBlock's
    ("self_attn.", "self_attention."), ("multihead_attn.", "cross_attention."),
    ("linear1.", "mlp.0."), ("linear2.", "mlp.2."),
    ("norm1.", "norm_self."), ("norm2.", "norm_cross."), ("norm3.", "norm_mlp."),
]
# our module class -> [(reference name pattern, our name)], tried in order, matched at the start
RULES = {
    DINOv2: [("", "vit.")],  # timm's own names on both sides
    EncoderProjection: [(r"0\.", "norm."), (r"1\.", "mlp.0."), (r"3\.", "mlp.2.")],
    GaussianInitializer: [("mean$", "mean"), ("logstd$", "log_std")],
    BoxInitializer: [(r"0\.", "mlp.0."), (r"2\.", "mlp.2.")],
    SlotAttention: [
        (r"norm1kv\.", "norm_input."), (r"proj_k\.", "to_k."), (r"proj_v\.", "to_v."),
        (r"norm1q\.", "norm_slots."), (r"proj_q\.", "to_q."), (r"rnn\.", "gru."),
        (r"norm2\.", "norm_mlp."), (r"ffn\.0\.", "mlp.0."), (r"ffn\.2\.", "mlp.2."),
    ],
    TransformerPredictor: [  # torch's TransformerEncoderLayer names
        (r"self_attn\.", "attention."), (r"linear1\.", "mlp.0."), (r"linear2\.", "mlp.2."),
        (r"norm1\.", "norm_attention."), (r"norm2\.", "norm_mlp."),
    ],
    RandomSlotFeatureTransit: [(r"te\.", "offset_embedding."), (r"proji\.", "feature_projection."),
                               (r"transit\.", "layer.")],
    PartiallyVisibleDecoder: [
        ("mask_token$", "mask_token"), (r"posit_embed\._pe$", "position_embedding.embedding"),
        (r"project1\.", "feature_projection."), (r"project2\.", "slot_projection."),
        (r"norm0\.", "norm_input."), (r"readout\.", "head."),
        *((rf"backbone\.layers\.(\d+)\.{re.escape(ref)}", rf"blocks.\1.{ours}") for ref, ours in _TRANSFORMER_DECODER_LAYER),
    ],
    BroadcastMLPDecoder: [(r"posit_embed\._pe$", "position_embedding.embedding"), (r"backbone\.(\d+)\.", r"mlp.\1.")],
    SlotMixerDecoder: SlotMixerDecoder.REFERENCE_KEYS,
}


class ReferenceCheckpointError(ValueError):
    """A reference checkpoint that does not fit the config's model; the message names the keys."""


def is_reference_layout(state) -> bool:
    """Whether a loaded checkpoint is a reference state dict: tensors under ``m.`` keys only."""
    return (isinstance(state, dict) and bool(state)
            and all(isinstance(k, str) and k.startswith(PREFIX) and torch.is_tensor(v) for k, v in state.items()))


def _our_key(key: str, model: torch.nn.Module) -> str | None:
    """Our key for the reference key ``key`` (``m.`` included), or None when no rule maps it."""
    rest = key[len(PREFIX):]
    for prefix, attribute in MODULES.items():
        if not rest.startswith(prefix):
            continue
        attribute = attribute or getattr(model, "query_module", None)
        module = getattr(model, attribute, None) if attribute else None
        name = rest[len(prefix):]
        for pattern, replacement in RULES.get(type(module), []):
            if re.match(pattern, name):
                return f"{attribute}.{re.sub('^' + pattern, replacement, name, count=1)}"
        return None
    return None


def reference_state_dict(reference: dict, model: torch.nn.Module, source: str = "checkpoint") -> dict:
    """``reference`` (a reference-layout state dict) as a complete state dict of ``model``.

    Raises ``ReferenceCheckpointError`` naming the reference keys that map to nothing or to a tensor of another
    size, and the keys of ``model`` left unfilled; ``source`` (the file) heads the message.
    """
    own = model.state_dict()
    mapped, unmapped, mismatched = {}, [], []
    for key, value in reference.items():
        target = _our_key(key, model)
        if target is None or target not in own:
            unmapped.append(key if target is None else f"{key} (-> {target}, which {type(model).__name__} lacks)")
        elif own[target].squeeze().shape != value.squeeze().shape:
            mismatched.append(f"{key} {tuple(value.shape)} -> {target} {tuple(own[target].shape)}")
        else:
            mapped[target] = value.reshape(own[target].shape)
    missing = [k for k in own if k not in mapped]
    problems = [f"{what}: {', '.join(keys)}" for what, keys in
                (("reference keys that map to nothing", unmapped), ("shapes that differ", mismatched),
                 ("model keys the checkpoint does not fill", missing)) if keys]
    if problems:
        raise ReferenceCheckpointError(f"{source}: not a reference checkpoint of this config's model ({type(model).__name__}); "
                         + "; ".join(problems))
    return mapped


def model_state(state, model: torch.nn.Module, source: str) -> dict:
    """The model weights a loaded file holds, in ``model``'s keys: one of our checkpoints (its
    ``model`` entry), a plain state dict, or a reference checkpoint (mapped, see above)."""
    if is_reference_layout(state):
        return reference_state_dict(state, model, source)
    state = state.get("model", state) if isinstance(state, dict) else state
    if not isinstance(state, dict):
        raise RuntimeError(f"{source}: expected a state dict or a checkpoint with a 'model' entry")
    return state


def add_arguments(parser) -> None:
    parser.add_argument("--src", required=True, help="the reference checkpoint (e.g. a released <seed>-<epoch>.pth)")
    parser.add_argument("--cfg_file", "--cfg-file", dest="cfg_file", required=True,
                        help="the shipped config of the same model, e.g. config-randsfq/randsfq_r-ytvis.py")
    parser.add_argument("--cfg-options", "--cfg_options", dest="cfg_options", nargs="+", default=[], metavar="KEY=VALUE",
                        help="config overrides, as for train.py")
    parser.add_argument("--dst", required=True, help="the checkpoint to write (model weights, step 0, the config)")


def main(args) -> None:
    """Build the config's model (without fetching backbone weights: the file holds them), map the
    reference weights into it and save ``{model, step, config}``, which ``eval.py --ckpt_file``
    and ``train.py --ckpt_file`` read."""
    from .checkpoint import atomic_save, load_checkpoint
    from .cli import load_with_overrides
    from .config import build, dump_config, iter_values

    cfg = load_with_overrides(args.cfg_file, args.cfg_options)
    node = copy.deepcopy(cfg["model"])
    for part in iter_values(node):
        if isinstance(part, dict) and part.get("type") is DINOv2:
            part["pretrained"] = False
    model = build(node, "model")
    state = load_checkpoint(args.src)
    if not is_reference_layout(state):
        raise ReferenceCheckpointError(f"{args.src}: not a reference checkpoint (tensors under 'm.' keys only)")
    model.load_state_dict(reference_state_dict(state, model, args.src))
    os.makedirs(os.path.dirname(os.path.abspath(args.dst)), exist_ok=True)
    atomic_save(dict(model=model.state_dict(), step=0, config=dump_config(cfg)), args.dst)
    print(f"wrote {args.dst}: {len(state)} reference tensors as {type(model).__name__} weights")
