"""MetaSlot (Liu et al. 2025): slot attention whose slots are snapped to a prototype codebook,
deduplicated, and refined again, so an image uses as many slots as it has distinct objects."""

import math

import torch

from .slot_attention import SlotAttention


def duplicates(codes: torch.Tensor) -> torch.Tensor:
    """(b, S) code indices -> (b, S) bool, True where a slot's code already occurred at a lower slot
    index of the same sample (the duplicates; the first slot of each code is kept)."""
    same = codes[:, :, None] == codes[:, None, :]  # (b, S, S)
    earlier = torch.ones(codes.shape[1], codes.shape[1], dtype=torch.bool, device=codes.device).tril(-1)
    return (same & earlier).any(2)


class MetaSlot(SlotAttention):
    """A drop-in aggregator with SlotAttention's parameters and call, returning
    ``(slots, attention, slot_mask)``; ``slot_mask`` (b, S) bool marks the slots masked out, whose
    vectors are zero and whose attention is zero, and which every decoder must leave out.

    1. **Aggregate**: ``num_iterations`` slot-attention steps from the (detached) queries; in
       training each step attends to the normalised inputs plus Gaussian noise whose standard
       deviation falls linearly from ``noise_std`` to 0 over the steps.
    2. **Quantise** each slot to a prototype of ``codebook`` (K, D): the nearest (squared L2) in
       evaluation, in training a draw from the softmax of the negative squared distances at
       ``code_temperature`` (Gumbel-max; 0: the nearest), and **deduplicate**: of the slots that
       chose the same prototype only the lowest-numbered is kept (vectorised, ``duplicates``).
    3. **Refine**: ``num_iterations`` more steps (same noise) starting from the chosen prototypes,
       with the duplicates masked out; before the last step a straight-through path adds the
       queries' gradient (BO-QSA), so the initializer learns.
    4. **Maintain the codebook** (training only, no gradient) from the vectors it quantises, the
       stage-1 slots: they are pushed into a FIFO ``buffer`` of ``buffer_size`` vectors; each
       prototype moves towards the mean of the slots assigned to it (mini-batch k-means with EMA
       ``decay``); a prototype unused for ``timeout`` training steps is revived from the buffer
       vector farthest from every active prototype, plus noise of ``revive_noise`` times its
       norm. The codebook is initialised from the first training batch's slots, not from an
       unfilled buffer.

    In training the deduplicated, masked path is taken with probability ``dedup_prob``, which
    starts at ``dedup_start`` and grows by ``dedup_growth`` per training step up to 1 (one draw per
    call); otherwise stage 2 starts from the prototypes unmasked. Evaluation always deduplicates and
    is deterministic. Every piece of state (codebook, buffer and its pointer, idle counters,
    ``dedup_prob``, the initialised flag) is a persistent buffer, so checkpoints resume exactly.
    """

    def __init__(
        self,
        in_dim: int,
        slot_dim: int,
        num_iterations: int = 3,
        codebook_size: int = 512,
        buffer_size: int = 672,
        timeout: int = 2340,
        decay: float = 0.99,
        noise_std: float = 0.5,
        dedup_start: float = 0.02,
        dedup_growth: float = 1.001,
        revive_noise: float = 0.01,
        code_temperature: float = 1.0,
        **slot_attention,
    ):
        super().__init__(in_dim, slot_dim, num_iterations, **slot_attention)
        if self.truncate != "none":
            raise ValueError("MetaSlot has its own straight-through path to the queries (stage 2); "
                             f"set truncate='none', got {self.truncate!r}")
        if codebook_size < 1 or buffer_size < 1 or timeout < 1:
            raise ValueError("codebook_size, buffer_size and timeout must be >= 1, got "
                             f"{codebook_size}, {buffer_size}, {timeout}")
        if not 0.0 <= decay < 1.0 or not 0.0 < dedup_start <= 1.0 or dedup_growth < 1.0:
            raise ValueError("need 0 <= decay < 1, 0 < dedup_start <= 1 and dedup_growth >= 1, got "
                             f"{decay}, {dedup_start}, {dedup_growth}")
        self.timeout = timeout
        self.decay = decay
        self.noise_std = noise_std
        self.dedup_growth = dedup_growth
        self.revive_noise = revive_noise
        self.code_temperature = code_temperature
        self.register_buffer("codebook", torch.randn(codebook_size, slot_dim))
        self.register_buffer("buffer", torch.zeros(buffer_size, slot_dim))
        self.register_buffer("buffer_next", torch.zeros((), dtype=torch.long))
        self.register_buffer("buffer_filled", torch.zeros((), dtype=torch.long))
        self.register_buffer("idle_steps", torch.zeros(codebook_size, dtype=torch.long))
        self.register_buffer("dedup_prob", torch.tensor(float(dedup_start)))
        self.register_buffer("initialised", torch.zeros((), dtype=torch.bool))

    def noise_levels(self, iterations: int) -> list[float]:
        """The input noise of each step in training: ``noise_std`` falling linearly to 0."""
        if iterations == 1:
            return [0.0]
        return [self.noise_std * (1 - i / (iterations - 1)) for i in range(iterations)]

    def iterate(self, normed, slots, iterations, slot_mask=None, logit_bias=None, queries=None):
        """``iterations`` steps from ``slots`` against the normalised inputs (noisy in training);
        with ``queries``, the straight-through path to them before the last step."""
        noise = self.noise_levels(iterations) if self.training else [0.0] * iterations
        clean = self.keys_values(normed)
        for i, std in enumerate(noise):
            k, v = self.keys_values(normed + std * torch.randn_like(normed)) if std > 0 else clean
            if queries is not None and i == iterations - 1:
                slots = slots + queries - queries.detach()
            slots, attention = self.step(slots, k, v, slot_mask, logit_bias)
        return slots, attention

    def quantise(self, slots: torch.Tensor, temperature: float = 0.0) -> torch.Tensor:
        """(..., D) -> (...) index of the nearest prototype (squared L2); with ``temperature`` > 0
        a draw from the softmax of the negative squared distances at that temperature
        (Gumbel-max)."""
        flat = slots.reshape(-1, slots.shape[-1]).float()
        if temperature <= 0:
            return torch.cdist(flat, self.codebook).argmin(1).reshape(slots.shape[:-1])
        logits = -torch.cdist(flat, self.codebook).square() / temperature
        gumbel = -torch.empty_like(logits).exponential_().log()
        return (logits + gumbel).argmax(1).reshape(slots.shape[:-1])

    def forward(
        self,
        inputs: torch.Tensor,
        queries: torch.Tensor,
        num_iterations: int | None = None,
        slot_mask: torch.Tensor | None = None,
        logit_bias: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Refine `queries` (b, S, D) against `inputs` (b, N, Cin) in the two stages; `slot_mask`
        (b, S), True = masked out, is honoured in both and kept in the returned mask. Returns
        slots (b, S, D), the last step's attention (b, S, N) and the slot mask (b, S)."""
        iterations = self.num_iterations if num_iterations is None else num_iterations
        if iterations < 1:
            raise ValueError(f"num_iterations must be >= 1, got {iterations}")
        normed = self.norm_input(inputs)
        given = torch.zeros(queries.shape[:2], dtype=torch.bool, device=queries.device) if slot_mask is None else slot_mask
        with torch.no_grad():  # stage 1 reaches the output only through the chosen codes
            stage1, _ = self.iterate(normed, queries.detach(), iterations, given, logit_bias)
            if self.training and not self.initialised and (~given).any():
                self._initialise(stage1[~given].float())
            codes = self.quantise(stage1, self.code_temperature if self.training else 0.0)  # (b, S)
            dedup = not self.training or bool(torch.rand(()) < self.dedup_prob)
            mask = (given | duplicates(codes.masked_fill(given, -1))) if dedup else given
        start = self.codebook[codes].masked_fill(mask[:, :, None], 0.0).to(queries.dtype)
        slots, attention = self.iterate(normed, start, iterations, mask, logit_bias, queries=queries)
        slots = slots.masked_fill(mask[:, :, None], 0.0)
        if self.training:
            with torch.no_grad():
                self._maintain(stage1[~given].float())
        return slots, attention, mask

    def _initialise(self, vectors: torch.Tensor) -> None:
        """Prototypes drawn from the first batch's slot vectors, jittered so none coincide."""
        picks = vectors[torch.randint(len(vectors), (len(self.codebook),), device=vectors.device)]
        spread = picks.std(0, keepdim=True).clamp(min=1e-6) if len(vectors) > 1 else torch.ones_like(picks[:1])
        self.codebook.copy_(picks + self.revive_noise * spread * torch.randn_like(picks))
        self.initialised.fill_(True)

    def _maintain(self, vectors: torch.Tensor) -> None:
        """One training step of codebook upkeep from the stage-1 slots (n, D)."""
        self.dedup_prob.copy_((self.dedup_prob * self.dedup_growth).clamp(max=1.0))
        codes = self.quantise(vectors)  # (n,)
        counts = torch.bincount(codes, minlength=len(self.codebook))  # (K,)
        sums = torch.zeros_like(self.codebook).index_add_(0, codes, vectors)
        used = counts > 0
        means = sums / counts.clamp(min=1)[:, None]
        self.codebook.copy_(torch.where(used[:, None], self.decay * self.codebook + (1 - self.decay) * means, self.codebook))
        self._push(vectors)
        self.idle_steps.add_(1).masked_fill_(used, 0)
        self._revive()

    def _push(self, vectors: torch.Tensor) -> None:
        """FIFO: the newest ``buffer_size`` vectors overwrite the oldest."""
        size = len(self.buffer)
        vectors = vectors[-size:]
        slots = (self.buffer_next + torch.arange(len(vectors), device=vectors.device)) % size
        self.buffer[slots] = vectors
        self.buffer_next.copy_((self.buffer_next + len(vectors)) % size)
        self.buffer_filled.copy_((self.buffer_filled + len(vectors)).clamp(max=size))

    def _revive(self) -> None:
        """Dead prototypes (idle for ``timeout`` steps) take the buffered vectors farthest from the
        active prototypes, one each, plus a little noise."""
        dead = self.idle_steps >= self.timeout
        filled = int(self.buffer_filled)
        if not filled or not bool(dead.any()):
            return
        candidates = self.buffer[:filled]
        active = self.codebook[~dead]
        if len(active):
            distance = torch.cdist(candidates, active).min(1).values  # (filled,)
        else:
            distance = torch.zeros(filled, device=candidates.device)
        dead_codes = dead.nonzero().squeeze(1)
        count = min(len(dead_codes), filled)
        picks = candidates[distance.topk(count).indices]
        norm = picks.norm(dim=1, keepdim=True) / math.sqrt(picks.shape[1])
        self.codebook[dead_codes[:count]] = picks + self.revive_noise * norm * torch.randn_like(picks)
        self.idle_steps[dead_codes[:count]] = 0
