"""The square grid a ViT's patch tokens come from, needed to turn (b, S, N) masks into images."""

import math


def square_grid(num_tokens: int) -> tuple[int, int]:
    """(h, w) of a square token grid with `num_tokens` tokens."""
    side = math.isqrt(num_tokens)
    if side * side != num_tokens:
        raise ValueError(
            f"{num_tokens} tokens do not form a square grid: give the backbone a square input size"
        )
    return side, side
