"""Samplers whose streams depend only on seeds and positions, so resume and DDP are exact."""

import random

import numpy as np
import torch


def _mix(*parts: int) -> int:
    """A 63-bit seed determined by the integers ``parts``."""
    return int(np.random.SeedSequence(list(parts)).generate_state(2, np.uint32).view(np.uint64)[0] >> 1)


class TrainSampler(torch.utils.data.Sampler):
    """Endless ``(index, sample_seed)`` stream over epochs for one rank.

    Epoch e is a permutation seeded by (seed, e), the same on every rank; rank r takes positions
    r, r + world_size, ... of it (the permutation is cut to a multiple of world_size so ranks stay
    in step). ``sample_seed`` depends on (seed, epoch, index) only, so a sample's augmentation does
    not depend on workers. ``start`` skips that many items this rank already consumed: resuming
    after step k at per-rank batch b passes ``start=k * b``.
    """

    def __init__(self, num_samples: int, seed: int = 0, shuffle: bool = True, rank: int = 0,
                 world_size: int = 1, start: int = 0):
        if num_samples < world_size:
            raise ValueError(f"{num_samples} samples cannot feed {world_size} ranks")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
        self.num_samples = num_samples
        self.seed = seed
        self.shuffle = shuffle
        self.rank = rank
        self.world_size = world_size
        self.start = start
        self.per_epoch = num_samples // world_size

    def epoch_order(self, epoch: int) -> np.ndarray:
        """This rank's indices in epoch ``epoch``."""
        if self.shuffle:
            order = np.random.default_rng(_mix(self.seed, epoch)).permutation(self.num_samples)
        else:
            order = np.arange(self.num_samples)
        return order[: self.per_epoch * self.world_size][self.rank :: self.world_size]

    def __iter__(self):
        epoch, offset = divmod(self.start, self.per_epoch)
        while True:
            for index in self.epoch_order(epoch)[offset:]:
                yield int(index), _mix(self.seed, epoch, int(index))
            epoch += 1
            offset = 0

    def __len__(self) -> int:
        """Items per epoch for this rank (the stream itself never ends)."""
        return self.per_epoch


class ValSampler(torch.utils.data.Sampler):
    """Indices rank, rank + world_size, ...: every sample seen exactly once across ranks."""

    def __init__(self, num_samples: int, rank: int = 0, world_size: int = 1):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
        self.num_samples = num_samples
        self.rank = rank
        self.world_size = world_size

    def __iter__(self):
        return iter(range(self.rank, self.num_samples, self.world_size))

    def __len__(self) -> int:
        return len(range(self.rank, self.num_samples, self.world_size))


def worker_init_fn(worker_id: int) -> None:
    """Seed python, numpy and torch in a DataLoader worker from torch's per-worker seed.

    torch derives that seed from the loader's base seed (drawn from the main process RNG each
    epoch) plus the worker id, so seeds differ per worker and epoch and repeat across seeded runs.
    """
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
