"""Pack steps run after the model's forward pass, declared in the config (`postprocess_t/_v`).

A step is a callable `step(pack)` that reads and writes dotted pack paths and lists them in
`reads` and `writes`, so that the engine can check every path on the first step.
"""

from object_centric_bench.learn.metric import masks_to_index


class SoftMaskToSegment:
    """Soft slot masks -> predicted segmentation (index map) at the ground-truth resolution.

    Reads masks (B[, T], S, h, w), or (B[, T], S, N) over N = h * w tokens with `tokens=True`, at
    `src`; upsamples them bilinearly and takes the argmax over slots; writes int64 (B[, T], H, W)
    at `dst`. (H, W) is either the last two dims of the tensor at path `like` (e.g.
    "batch.segment") or the fixed `size`.
    """

    def __init__(
        self,
        src: str,
        dst: str,
        like: str | None = None,
        size: int | tuple[int, int] | None = None,
        tokens: bool = False,
    ):
        if (like is None) == (size is None):
            raise ValueError(
                "SoftMaskToSegment needs exactly one of `like` (a pack path whose tensor gives the "
                "output resolution, e.g. 'batch.segment') or `size` (an int or (H, W))"
            )
        self.src = src
        self.dst = dst
        self.like = like
        self.size = size
        self.tokens = tokens
        self.reads = [src] if like is None else [src, like]
        self.writes = [dst]

    def __call__(self, pack) -> None:
        size = self.size if self.like is None else tuple(pack.get(self.like).shape[-2:])
        pack.set(self.dst, masks_to_index(pack.get(self.src), size, tokens=self.tokens))

    def protocol(self) -> dict:
        """How predicted segmentations are made, for the results' protocol record."""
        resolution = f"like {self.like}" if self.like is not None else self.size
        return dict(mask_source=self.src, resolution=resolution, resize="bilinear, then argmax over slots")
