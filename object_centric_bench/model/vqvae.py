"""The VQ-VAE that SLATE and SlotDiffusion build on: a tiny convolutional autoencoder (the TAESD
layout, from diffusers' ``AutoencoderTiny``) with a vector-quantised bottleneck.

SLATE reads the code indices (a 4096-code book of 256-d vectors in ``vqvae-<ds>-c256.py``),
SlotDiffusion the quantised vectors (4-d codes in ``vqvae-<ds>-c4.py``) as its diffusion latent.
"""

import os

import torch
import torch.nn.functional as F
from torch import nn

TAESD_ENCODER_LAYERS = 14  # the encoder's blocks up to its last 64-channel one, 8x down
WEIGHTS_FORMATS = (".safetensors", ".pth", ".pt", ".bin")


def diffusers_module(needed_by: str):
    """diffusers, an optional dependency (installed by the README's command), or an ImportError
    that says what needs it."""
    try:
        import diffusers
    except ImportError as error:
        raise ImportError(f"{needed_by} needs diffusers: pip install diffusers") from error
    return diffusers


def tiny_autoencoder(weights_file: str | None = None) -> nn.Module:
    """diffusers' ``AutoencoderTiny`` (TAESD), random or from a local weights file: the
    ``diffusion_pytorch_model.safetensors`` of ``madebyollin/taesd`` or a ``.pth`` state dict."""
    model = diffusers_module("the VQ-VAE's autoencoder").AutoencoderTiny()
    if weights_file is None:
        return model
    if not os.path.isfile(weights_file):
        raise FileNotFoundError(f"tiny autoencoder weights not found: file {weights_file!r} does not exist; point "
                                f"weights_file at a TAESD state dict ({', '.join(WEIGHTS_FORMATS)}) or leave it "
                                "unset to train from scratch")
    if weights_file.endswith(".safetensors"):
        from safetensors.torch import load_file

        state = load_file(weights_file)
    else:
        state = torch.load(weights_file, map_location="cpu", weights_only=True)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise RuntimeError(f"{weights_file!r} is not a TAESD state dict: {len(missing)} keys missing (e.g. "
                           f"{missing[:3]}), {len(unexpected)} unexpected (e.g. {unexpected[:3]})")
    return model


class VectorQuantizer(nn.Module):
    """Nearest-code quantisation of (b, D, h, w) maps against ``num_codes`` learned D-d codes
    (initialised U(-1/K, 1/K)); the match uses the detached input, so only the codebook and
    commitment losses move the codes and the encoder."""

    def __init__(self, num_codes: int, code_dim: int):
        super().__init__()
        self.codebook = nn.Embedding(num_codes, code_dim)
        nn.init.uniform_(self.codebook.weight, -1 / num_codes, 1 / num_codes)

    def forward(self, encode: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """encode (b, D, h, w) -> quantised vectors (b, D, h, w) and code indices (b, h, w)."""
        b, d, h, w = encode.shape
        flat = encode.detach().permute(0, 2, 3, 1).reshape(-1, d).float()
        codes = torch.cdist(flat, self.codebook.weight.float()).argmin(1).reshape(b, h, w)
        quant = self.codebook(codes).permute(0, 3, 1, 2).to(encode.dtype)
        return quant, codes


class VQVAE(nn.Module):
    """Image (b, 3, H, W) -> resized to ``input_size`` -> TAESD encoder (8x down) -> GroupNorm ->
    1x1 conv to ``code_dim`` -> quantised -> straight-through -> 1x1 conv to 4 -> GroupNorm ->
    TAESD decoder -> reconstruction at ``input_size``.

    ``weights_file`` initialises both halves from a pretrained TAESD (otherwise random);
    ``freeze_encoder_layers`` freezes the first encoder layers (the reference's 11 with pretrained
    weights). Returns ``encode`` and ``quant`` (b, D, h, w), ``code`` (b, h, w), ``recon`` and
    its ``target``, the resized image (b, 3, input_size, input_size).
    """

    def __init__(
        self,
        num_codes: int = 4096,
        code_dim: int = 256,
        input_size: int = 128,
        weights_file: str | None = None,
        freeze_encoder_layers: int = 0,
    ):
        super().__init__()
        taesd = tiny_autoencoder(weights_file)
        self.input_size = input_size
        self.encoder = nn.Sequential(*list(taesd.encoder.layers)[:TAESD_ENCODER_LAYERS])
        channels = self.encoder[-1].conv[-1].out_channels
        self.pre_quant = nn.Sequential(nn.GroupNorm(1, channels), nn.Conv2d(channels, code_dim, 1))
        self.quantizer = VectorQuantizer(num_codes, code_dim)
        latent = taesd.decoder.layers[0].in_channels
        self.post_quant = nn.Sequential(nn.Conv2d(code_dim, latent, 1), nn.GroupNorm(1, latent))
        self.decoder = taesd.decoder.layers
        for layer in self.encoder[:freeze_encoder_layers]:
            layer.requires_grad_(False)

    def resize(self, image: torch.Tensor) -> torch.Tensor:
        if image.shape[-1] == self.input_size and image.shape[-2] == self.input_size:
            return image
        return F.interpolate(image, size=(self.input_size, self.input_size), mode="bicubic", align_corners=False)

    def encode(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """The bottleneck of an image batch: ``target``, ``encode``, ``quant``, ``code``."""
        target = self.resize(image)
        encode = self.pre_quant(self.encoder(target))
        quant, code = self.quantizer(encode)
        return dict(target=target, encode=encode, quant=quant, code=code)

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        out = self.encode(image)
        straight = out["encode"] + (out["quant"] - out["encode"]).detach()
        return dict(out, recon=self.decoder(self.post_quant(straight)))
