"""Batching samples whose object axes differ in length."""

import torch

from object_centric_bench.datum.transform import OBJECT_AXES, PAD_VALUES, pad_axis


class PadObjectsCollate:
    """Stack every key; pad object axes (``bbox`` (..., S, 4), ``clazz`` / ``isthing`` (..., S), the
    conditions ``centre`` and ``first_mask``) as ``PadObjects`` does (zeros, -1 centres) to the
    largest S in the batch, or to ``num_objects`` when it is given. The engine's
    default: with ``box_rows="present"`` datasets it sets the slot count to the batch's largest
    object count, as the RandSF.Q v3 reference does."""

    def __init__(self, num_objects: int | None = None, object_axes: dict | None = None):
        self.num_objects = num_objects
        self.object_axes = object_axes if object_axes is not None else OBJECT_AXES

    def __call__(self, samples: list[dict]) -> dict:
        batch = {}
        for key in samples[0]:
            values = [sample[key] for sample in samples]
            if key in self.object_axes:
                axis = self.object_axes[key]
                length = self.num_objects
                if length is None:
                    length = max(value.shape[axis] for value in values)
                values = [pad_axis(value, axis, length, key, PAD_VALUES.get(key, 0)) for value in values]
            if isinstance(values[0], torch.Tensor):
                batch[key] = torch.stack(values)
            else:
                batch[key] = values
        return batch


class CountSkipped:
    """Wraps a collate function for validation: drops the samples the dataset skipped (None) and
    returns ``(batch or None, number skipped)``."""

    def __init__(self, collate_fn):
        self.collate_fn = collate_fn

    def __call__(self, samples: list) -> tuple:
        kept = [sample for sample in samples if sample is not None]
        return (self.collate_fn(kept) if kept else None), len(samples) - len(kept)


collate = PadObjectsCollate()
