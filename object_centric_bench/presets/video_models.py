"""Model and loss nodes of the video methods on frozen features (VideoSAUR, SlotContrast,
RandSF.Q), so each config states only its data, backbone, initializer and schedule."""

import torch

from ..learn.loss_video import SlotContrastLoss, TemporalSimilarityLoss
from ..model.backbone import Patchify
from ..model.decoder_dias import PartiallyVisibleDecoder
from ..model.decoder_mlp import BroadcastMLPDecoder
from ..model.decoder_slotmixer import SlotMixerDecoder
from ..model.initializer import BoxInitializer, GaussianInitializer
from ..model.predictor import TransformerPredictor
from ..model.projection import EncoderProjection
from ..model.randsfq import RandSFQ
from ..model.slot_attention import SlotAttention
from ..model.transit import RandomSlotFeatureTransit
from ..model.videosaur import VideoSAUR


def initializer(num_slots, slot_dim, conditional=False, per_slot=False):
    """Box-conditioned queries (``_c`` configs) or learned Gaussian queries (``_r``)."""
    if conditional:
        return dict(type=BoxInitializer, slot_dim=slot_dim)
    return dict(type=GaussianInitializer, num_slots=num_slots, slot_dim=slot_dim, per_slot=per_slot)


def synth_backbone(patch_size=4, position_scale=0.5):
    """Raw patches of the synthetic videos plus two position channels as features (no weights):
    32 px -> 8x8 tokens of 3*4*4 + 2 = 50 channels."""
    return dict(type=Patchify, patch_size=patch_size, position_scale=position_scale)


def videosaur(backbone, initializer, feature_dim=384, num_tokens=256, slot_dim=128,
              decoder="mlp", decoder_hidden=(1024, 1024, 1024)):
    """VideoSAUR: predictor = one Transformer layer over slots; 3 iterations on frame 0, 2 later;
    the decoder (broadcast ``"mlp"`` or ``"slotmixer"``) also renders the similarity logits."""
    out_dim = feature_dim + num_tokens
    if decoder == "mlp":
        decoder_node = dict(type=BroadcastMLPDecoder, slot_dim=slot_dim, out_dim=out_dim,
                            num_tokens=num_tokens, hidden_dims=decoder_hidden)
    elif decoder == "slotmixer":
        decoder_node = dict(type=SlotMixerDecoder, slot_dim=slot_dim, out_dim=out_dim,
                            num_tokens=num_tokens, hidden_dims=decoder_hidden)
    else:
        raise ValueError(f"decoder must be 'mlp' or 'slotmixer', got {decoder!r}")
    return dict(
        type=VideoSAUR, backbone=backbone,
        projection=dict(type=EncoderProjection, in_dim=feature_dim, hidden_dim=2 * feature_dim,
                        out_dim=slot_dim),
        initializer=initializer,
        aggregator=dict(type=SlotAttention, in_dim=slot_dim, slot_dim=slot_dim),
        predictor=dict(type=TransformerPredictor, slot_dim=slot_dim, mlp_hidden_dim=4 * slot_dim),
        decoder=decoder_node, first_frame_iterations=3, iterations=2, predict_similarity=True,
    )


def slotcontrast(backbone, initializer, feature_dim=384, num_tokens=256, slot_dim=64,
                 decoder_hidden=(1024, 1024, 1024)):
    """SlotContrast: the VideoSAUR skeleton with bi-level slot attention (3 iterations on every
    frame) and the broadcast MLP decoder reconstructing features only."""
    return dict(
        type=VideoSAUR, backbone=backbone,
        projection=dict(type=EncoderProjection, in_dim=feature_dim, hidden_dim=2 * feature_dim,
                        out_dim=slot_dim),
        initializer=initializer,
        aggregator=dict(type=SlotAttention, in_dim=slot_dim, slot_dim=slot_dim, truncate="bi-level"),
        predictor=dict(type=TransformerPredictor, slot_dim=slot_dim, mlp_hidden_dim=4 * slot_dim),
        decoder=dict(type=BroadcastMLPDecoder, slot_dim=slot_dim, out_dim=feature_dim,
                     num_tokens=num_tokens, hidden_dims=decoder_hidden),
        first_frame_iterations=3, iterations=3, predict_similarity=False,
    )


def randsfq(backbone, initializer, window, feature_dim=384, num_tokens=256, slot_dim=256,
            in_dim=384, decoder_dim=384, decoder_layers=4, predict_similarity=False):
    """RandSF.Q: projection keeps ``in_dim``; transit over random slot/feature pairs inside
    ``window`` (the training clip length); one iteration after frame 0; DIAS decoder."""
    out_dim = feature_dim + num_tokens if predict_similarity else feature_dim
    return dict(
        type=RandSFQ, backbone=backbone,
        projection=dict(type=EncoderProjection, in_dim=feature_dim, hidden_dim=2 * feature_dim,
                        out_dim=in_dim),
        initializer=initializer,
        aggregator=dict(type=SlotAttention, in_dim=in_dim, slot_dim=slot_dim),
        transit=dict(type=RandomSlotFeatureTransit, slot_dim=slot_dim, feature_dim=in_dim,
                     window=window),
        decoder=dict(type=PartiallyVisibleDecoder, slot_dim=slot_dim, feature_dim=feature_dim,
                     num_tokens=num_tokens, dim=decoder_dim, num_layers=decoder_layers,
                     out_dim=out_dim),
        first_frame_iterations=3, iterations=1, predict_similarity=predict_similarity,
    )


def feature_loss():
    """``loss_fn`` entry: MSE of the reconstruction to the frozen features."""
    return dict(fn=dict(type=torch.nn.MSELoss), map=dict(input="output.recon", target="output.feature"))


def similarity_loss(temperature, weight):
    """``loss_fn`` entry: temporal feature similarity (VideoSAUR, RandSF.Q-tsim)."""
    return dict(fn=dict(type=TemporalSimilarityLoss, temperature=temperature),
                map=dict(logits="output.similarity", feature="output.feature"), weight=weight)


def contrast_loss(temperature=0.1, weight=0.5):
    """``loss_fn`` entry: slot-slot contrast with batch contrast (SlotContrast, RandSF.Q)."""
    return dict(fn=dict(type=SlotContrastLoss, temperature=temperature),
                map=dict(slots="output.slots"), weight=weight)
