"""Slot initializers: where the first queries of slot attention come from.

Every initializer is called as `initializer(batch_size, condition)` and returns queries
(b, S, D), so models can swap learned and conditional initialisation from the config.
"""

import torch
from torch import nn

from .backbone import SmallCNN
from .encoder import SpatialEncoder
from .mlp import MLP
from .projection import EncoderProjection, GridPositionEmbedding


class GaussianInitializer(nn.Module):
    """Learned Gaussian queries: one mean and log-std shared by all slots, or one per slot.

    Training draws fresh noise. Evaluation is deterministic: per-slot means are used as they are,
    while shared ones get a fixed noise draw (seeded by `eval_seed`, the same for every sample),
    because identical queries would stay identical through slot attention. `sample_in_eval=True`
    draws fresh noise in evaluation too. The log-std starts at `log_std_init` everywhere (0: a
    standard deviation of 1).
    """

    def __init__(
        self,
        num_slots: int,
        slot_dim: int,
        per_slot: bool = False,
        sample_in_eval: bool = False,
        eval_seed: int = 0,
        log_std_init: float = -2.0,
    ):
        super().__init__()
        self.num_slots = num_slots
        self.per_slot = per_slot
        self.sample_in_eval = sample_in_eval
        self.eval_seed = eval_seed
        rows = num_slots if per_slot else 1
        self.mean = nn.Parameter(torch.empty(rows, slot_dim))
        self.log_std = nn.Parameter(torch.full((rows, slot_dim), float(log_std_init)))
        nn.init.xavier_uniform_(self.mean)

    def forward(self, batch_size: int, condition: torch.Tensor | None = None) -> torch.Tensor:
        if condition is not None:
            raise ValueError(
                "GaussianInitializer is unconditional: do not pass a condition (remove `bbox` "
                "from model_imap) or use a conditional initializer"
            )
        mean = self.mean.expand(self.num_slots, -1)  # (S, D)
        queries = mean.expand(batch_size, -1, -1)  # (b, S, D)
        std = self.log_std.exp().expand(self.num_slots, -1)
        if self.training or self.sample_in_eval:
            return queries + std * torch.randn_like(queries)
        if self.per_slot:
            return queries
        generator = torch.Generator().manual_seed(self.eval_seed)
        noise = torch.randn(mean.shape, generator=generator).to(mean)  # (S, D), same for every sample
        return queries + std * noise


class _ConditionalInitializer(nn.Module):
    """Maps one condition per slot to a query; empty (padded) slots get a fixed 'empty' input,
    `empty_value` (None: they go in as they are).

    Subclasses say which conditions are empty and how a condition is encoded.
    """

    empty_value: float | None = -1.0

    def forward(self, batch_size: int, condition: torch.Tensor | None = None) -> torch.Tensor:
        if condition is None:
            raise ValueError(
                f"{type(self).__name__} needs a per-slot condition (first-frame boxes, centres or "
                "masks): map it in model_imap, e.g. bbox='batch.bbox'"
            )
        if condition.shape[0] != batch_size:
            raise ValueError(
                f"condition has batch size {condition.shape[0]}, expected {batch_size}"
            )
        if self.empty_value is None:
            return self.encode(condition.float())
        empty = self.is_empty(condition)  # (b, S)
        filler = torch.full_like(condition, self.empty_value)
        shape = empty.shape + (1,) * (condition.dim() - 2)
        condition = torch.where(empty.reshape(shape), filler, condition)
        return self.encode(condition.float())

    def is_empty(self, condition: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def encode(self, condition: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class BoxInitializer(_ConditionalInitializer):
    """Queries from boxes (b, S, 4), ltrb normalised to [0, 1], through an MLP.

    A box with no positive area or with non-finite values (zeros where an object is invisible,
    padding) counts as empty and is replaced by `empty_value` coordinates (None: zero boxes go in
    as they are). `activation` is the MLP's (``"relu"`` or ``"gelu"``).
    """

    def __init__(self, slot_dim: int, hidden_dim: int = 256, activation: str = "relu",
                 empty_value: float | None = -1.0):
        super().__init__()
        self.mlp = MLP(4, [hidden_dim], slot_dim, activation)
        self.empty_value = empty_value

    def is_empty(self, condition: torch.Tensor) -> torch.Tensor:
        left, top, right, bottom = condition.unbind(-1)
        finite = condition.isfinite().all(-1)
        return ~(finite & (right > left) & (bottom > top))

    def encode(self, condition: torch.Tensor) -> torch.Tensor:
        return self.mlp(condition)


class CentreInitializer(_ConditionalInitializer):
    """Queries from object centres of mass (b, S, 2) as (x, y) in [0, 1], through an MLP (SAVi:
    256 hidden units, ReLU; the paper orders the pair (y, x), which only permutes the MLP's first
    weights).

    A centre with a negative or non-finite coordinate (the datasets pad with -1) counts as empty
    and goes in as (-1, -1), the paper's fixed input of an unconditioned slot.
    """

    def __init__(self, slot_dim: int, hidden_dim: int = 256, activation: str = "relu"):
        super().__init__()
        self.mlp = MLP(2, [hidden_dim], slot_dim, activation)

    def is_empty(self, condition: torch.Tensor) -> torch.Tensor:
        return ~(condition.isfinite() & (condition >= 0)).all(-1)

    def encode(self, condition: torch.Tensor) -> torch.Tensor:
        return self.mlp(condition)


class MaskInitializer(_ConditionalInitializer):
    """Queries from binary first-frame object masks (b, S, H, W), SAVi's mask initializer: the
    encoder CNN (four 5x5 convolutions with strides 2, 2, 2, 1, the last without activation), the
    grid position embedding, LayerNorm and a 1x1 MLP (``hidden_dim`` wide, ReLU), a spatial
    average, LayerNorm and an MLP (``mlp_hidden_dim``, ReLU) to the slot width. Each mask is
    encoded on its own. An all-zero mask (an unconditioned slot) goes in as it is, the paper's
    empty input; non-finite values count as empty too and become zeros.
    """

    empty_value = 0.0

    def __init__(self, slot_dim: int, channels: int = 32, hidden_dim: int = 64, mlp_hidden_dim: int = 256):
        super().__init__()
        self.encoder = SpatialEncoder(
            SmallCNN(1, channels, strides=(2, 2, 2, 1), final_activation=False),
            GridPositionEmbedding(channels),
            EncoderProjection(channels, hidden_dim, hidden_dim, activation="relu"),
        )
        self.norm = nn.LayerNorm(hidden_dim)
        self.mlp = MLP(hidden_dim, [mlp_hidden_dim], slot_dim, "relu")

    def is_empty(self, condition: torch.Tensor) -> torch.Tensor:
        values = condition.flatten(2)
        return (values.nan_to_num(0.0, 0.0, 0.0).abs().sum(-1) == 0) | ~values.isfinite().all(-1)

    def encode(self, condition: torch.Tensor) -> torch.Tensor:
        b, s, h, w = condition.shape
        tokens, _ = self.encoder(condition.reshape(b * s, 1, h, w))  # (b*S, N, hidden)
        return self.mlp(self.norm(tokens.mean(1))).reshape(b, s, -1)
