"""A tiny model and an in-memory dataset for engine tests (no files, no downloads)."""

import numpy as np
import torch
from torch import nn


class ToyScenes(torch.utils.data.Dataset):
    """16x16 images of 1-3 coloured rectangles on black, with index-map segments.

    Items accept an index or ``(index, seed)``; the seed drives a random horizontal flip so the
    engine's per-sample augmentation seeds are exercised. ``index`` is returned for counting.
    """

    def __init__(self, num_samples=64, size=16, data_file=None):
        self.num_samples, self.size = num_samples, size

    def __len__(self):
        return self.num_samples

    def __getitem__(self, item):
        index, seed = item if isinstance(item, tuple) else (item, None)
        rng = np.random.default_rng(index)
        image = np.zeros((3, self.size, self.size), np.float32)
        segment = np.zeros((self.size, self.size), np.int64)
        for k in range(1, rng.integers(1, 4) + 1):
            y0, x0 = rng.integers(0, self.size - 6, size=2)
            h, w = rng.integers(4, 7, size=2)
            image[:, y0:y0 + h, x0:x0 + w] = rng.uniform(0.3, 1.0, size=(3, 1, 1))
            segment[y0:y0 + h, x0:x0 + w] = k
        if seed is not None and np.random.default_rng(seed).random() < 0.5:
            image, segment = image[..., ::-1].copy(), segment[..., ::-1].copy()
        return dict(image=torch.from_numpy(image), segment=torch.from_numpy(segment), index=torch.tensor(index))


class ToyModel(nn.Module):
    """Per-pixel slot logits from a small CNN; each slot paints its mask-weighted mean colour."""

    def __init__(self, num_slots=4, hidden=16, noise=0.05):
        super().__init__()
        self.noise = noise
        self.net = nn.Sequential(
            nn.Conv2d(3, hidden, 3, padding=1), nn.ReLU(), nn.Dropout(0.1),
            nn.Conv2d(hidden, num_slots, 3, padding=1),
        )

    def forward(self, image):
        x = image + self.noise * torch.randn_like(image) if self.training else image
        alpha = self.net(x).softmax(dim=1)  # (b, s, h, w)
        colour = (alpha.unsqueeze(2) * image.unsqueeze(1)).sum((3, 4)) / alpha.sum((2, 3)).unsqueeze(2).clamp(min=1e-6)
        recon = (alpha.unsqueeze(2) * colour[..., None, None]).sum(1)  # (b, 3, h, w)
        return dict(mask=alpha, recon=recon)


class SampleIndex:
    """A 'metric' that returns each sample's index, to count which samples validation saw."""

    def __call__(self, index):
        return index.double()
