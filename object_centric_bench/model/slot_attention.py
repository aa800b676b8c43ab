"""Slot Attention (Locatello et al. 2020): slots compete for input tokens, refined iteratively."""

import math

import torch
from torch import nn

from .mlp import MLP, zero_biases


class SlotAttention(nn.Module):
    """Groups N input tokens into S slots.

    Each iteration: queries from the normalised slots attend to keys from the normalised inputs;
    the softmax runs over slots (slots compete for each token), the weights are renormalised over
    tokens, and the weighted mean of the values updates every slot through a GRU cell followed by
    a residual MLP (``residual_mlp=False`` leaves the MLP out, as SAVi's one-iteration corrector
    does) with `activation` (``"relu"`` or ``"gelu"``). `eps` is added to each slot's attention
    mass before the renormalisation: a larger one shrinks the update of a nearly empty slot.
    `zero_bias=True` starts the GRU's and the MLP's biases at zero. `mlp_dropout` is dropout after
    the MLP's hidden activation (training only).

    `truncate="bi-level"` (BO-QSA) detaches the slots before the last iteration and adds a
    straight-through path to the initial queries, so gradients reach the slot attention weights
    only through the last iteration and reach the initializer directly.
    """

    def __init__(
        self,
        in_dim: int,
        slot_dim: int,
        num_iterations: int = 3,
        mlp_hidden_dim: int | None = None,
        truncate: str = "none",
        eps: float = 1e-8,
        residual_mlp: bool = True,
        activation: str = "relu",
        zero_bias: bool = False,
        mlp_dropout: float = 0.0,
    ):
        super().__init__()
        if num_iterations < 1:
            raise ValueError(f"num_iterations must be >= 1, got {num_iterations}")
        if truncate not in ("none", "bi-level"):
            raise ValueError(f"truncate must be 'none' or 'bi-level', got {truncate!r}")
        self.slot_dim = slot_dim
        self.num_iterations = num_iterations
        self.truncate = truncate
        self.eps = eps
        self.norm_input = nn.LayerNorm(in_dim)
        self.to_k = nn.Linear(in_dim, slot_dim, bias=False)
        self.to_v = nn.Linear(in_dim, slot_dim, bias=False)
        self.norm_slots = nn.LayerNorm(slot_dim)
        self.to_q = nn.Linear(slot_dim, slot_dim, bias=False)
        self.gru = nn.GRUCell(slot_dim, slot_dim)
        self.residual_mlp = residual_mlp
        if residual_mlp:
            self.norm_mlp = nn.LayerNorm(slot_dim)
            self.mlp = MLP(slot_dim, [mlp_hidden_dim or 4 * slot_dim], slot_dim, activation,
                           dropout=mlp_dropout)
        if zero_bias:
            zero_biases(self)

    def forward(
        self,
        inputs: torch.Tensor,
        queries: torch.Tensor,
        num_iterations: int | None = None,
        slot_mask: torch.Tensor | None = None,
        logit_bias: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Refine `queries` (b, S, D) against `inputs` (b, N, Cin).

        `num_iterations` overrides the configured count for this call (video models run more
        iterations on the first frame). `slot_mask` (b, S) bool marks slots that are masked out:
        they get -inf logits, so they take no tokens (their vectors still pass through the GRU
        (and MLP) and should be ignored downstream). `logit_bias` (b, S, N) is added to the attention
        logits of every iteration (a position prior per slot, see `slot_frames`).
        Returns the slots (b, S, D) and the last iteration's softmax-over-slots attention
        (b, S, N) in float32.
        """
        iterations = self.num_iterations if num_iterations is None else num_iterations
        if iterations < 1:
            raise ValueError(f"num_iterations must be >= 1, got {iterations}")
        k, v = self.keys_values(self.norm_input(inputs))
        slots = queries
        for i in range(iterations):
            if self.truncate == "bi-level" and i == iterations - 1:
                slots = slots.detach() + queries - queries.detach()
            slots, attention = self.step(slots, k, v, slot_mask, logit_bias)
        return slots, attention

    def keys_values(self, normed: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values (b, N, D) of the normalised inputs (b, N, Cin)."""
        return self.to_k(normed), self.to_v(normed)

    def step(
        self,
        slots: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        slot_mask: torch.Tensor | None = None,
        logit_bias: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One iteration: slots (b, S, D) attend to keys and values (b, N, D); returns the updated
        slots and the softmax-over-slots attention (b, S, N) in float32."""
        b, s, d = slots.shape
        q = self.to_q(self.norm_slots(slots))  # (b, S, D)
        logits = torch.einsum("bsd,bnd->bsn", q, k).float() / math.sqrt(d)
        if logit_bias is not None:
            logits = logits + logit_bias
        if slot_mask is not None:
            logits = logits.masked_fill(slot_mask[:, :, None], float("-inf"))
        attention = logits.softmax(dim=1)  # (b, S, N), sums to 1 over slots
        weights = attention / (attention.sum(dim=2, keepdim=True) + self.eps)
        updates = torch.einsum("bsn,bnd->bsd", weights.to(v.dtype), v)
        previous = slots.reshape(b * s, d).float()  # keep the recurrent state in float32
        slots = self.gru(updates.reshape(b * s, d), previous).reshape(b, s, d)
        if self.residual_mlp:
            slots = slots + self.mlp(self.norm_mlp(slots))
        return slots, attention
