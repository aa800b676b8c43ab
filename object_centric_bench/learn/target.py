"""Pack steps that build a reconstruction target from several batch tensors."""

import torch


class ConcatChannels:
    """Stack tensors at ``srcs`` along their channel axis (-3) into one target at ``dst``.

    Lets a decoder reconstruct, say, the frame's RGB and its rendered optical flow at once
    (SAVi's flow target, with the colours kept so that still objects stay separable). Each source
    is multiplied by its entry in ``scales`` (default 1) to balance the parts of the loss.
    Sources (..., C_i, H, W) -> (..., sum C_i, H, W).
    """

    def __init__(self, srcs, dst: str, scales=None):
        self.srcs = list(srcs)
        if len(self.srcs) < 2:
            raise ValueError(f"ConcatChannels needs at least two source paths, got {self.srcs}")
        self.scales = [1.0] * len(self.srcs) if scales is None else [float(s) for s in scales]
        if len(self.scales) != len(self.srcs):
            raise ValueError(f"give one scale per source: {len(self.srcs)} sources, {len(self.scales)} scales")
        self.dst = dst
        self.reads = list(self.srcs)
        self.writes = [dst]

    def __call__(self, pack) -> None:
        parts = [pack.get(src) * scale for src, scale in zip(self.srcs, self.scales)]
        if len({part.shape[:-3] + part.shape[-2:] for part in parts}) != 1:
            shapes = ", ".join(str(tuple(part.shape)) for part in parts)
            raise ValueError(f"ConcatChannels sources must agree on all but the channel axis, got {shapes}")
        pack.set(self.dst, torch.cat(parts, dim=-3))


class LogDepth:
    """SAVi++'s depth target: ``log(1 + depth)`` of the depth at ``src`` (..., H, W), in metres,
    as one channel at ``dst`` (..., 1, H, W); the log compresses the far background so that near
    objects weigh in the loss."""

    def __init__(self, src: str = "batch.depth", dst: str = "batch.depth_target"):
        self.src = src
        self.dst = dst
        self.reads = [src]
        self.writes = [dst]

    def __call__(self, pack) -> None:
        depth = pack.get(self.src)
        if not torch.isfinite(depth).all() or (depth < 0).any():
            raise ValueError(f"{self.src} must hold finite depths >= 0 (metres); check the dataset's depth_range")
        pack.set(self.dst, depth.float().log1p().unsqueeze(-3))
