"""Samplers: resumable training streams, exact validation partitions, per-worker seeds."""

import itertools

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from object_centric_bench.datum import codec
from object_centric_bench.datum.collate import collate
from object_centric_bench.datum.dataset import VideoDataset
from object_centric_bench.datum.lmdb_io import LMDBWriter
from object_centric_bench.datum.sampler import TrainSampler, ValSampler, worker_init_fn
from object_centric_bench.datum.transform import train_transforms


def _take(sampler, n):
    return list(itertools.islice(iter(sampler), n))


def test_each_epoch_is_a_permutation_with_fresh_sample_seeds():
    stream = _take(TrainSampler(10, seed=3), 20)
    first, second = stream[:10], stream[10:]
    assert sorted(i for i, _ in first) == list(range(10))
    assert sorted(i for i, _ in second) == list(range(10))
    assert [i for i, _ in first] != [i for i, _ in second]
    seeds = {index: seed for index, seed in first}
    assert all(seeds[index] != seed for index, seed in second)
    assert _take(TrainSampler(10, seed=3), 20) == stream
    assert _take(TrainSampler(10, seed=4), 10) != first


def test_resume_from_start_continues_the_identical_stream():
    full = _take(TrainSampler(7, seed=1), 30)
    for start in (0, 4, 7, 12):
        assert _take(TrainSampler(7, seed=1, start=start), 30 - start) == full[start:]


def test_ranks_split_each_epoch_without_overlap():
    ranks = [TrainSampler(11, seed=2, rank=r, world_size=3) for r in range(3)]
    epoch0 = [sampler.epoch_order(0) for sampler in ranks]
    union = np.concatenate(epoch0)
    assert len(set(union.tolist())) == len(union) == 9
    assert all(len(order) == len(ranks[0]) for order in epoch0)


def test_validation_ranks_partition_the_samples_exactly():
    parts = [list(ValSampler(10, rank=r, world_size=3)) for r in range(3)]
    assert sorted(sum(parts, [])) == list(range(10))
    assert [len(p) for p in parts] == [len(ValSampler(10, rank=r, world_size=3)) for r in range(3)]


class _WorkerRandomness(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        info = torch.utils.data.get_worker_info()
        return torch.tensor([info.id, np.random.randint(2**31), torch.randint(2**31, ()).item()])


def _worker_draws(seed):
    torch.manual_seed(seed)
    loader = DataLoader(_WorkerRandomness(), batch_size=1, num_workers=2, worker_init_fn=worker_init_fn)
    return [torch.cat(list(loader)) for _ in range(2)]  # two epochs, (4, 3) each


def test_worker_seeds_differ_between_workers_and_epochs_and_repeat_across_runs():
    epochs = _worker_draws(0)
    for draws in epochs:
        by_worker = {int(w): (int(n), int(t)) for w, n, t in draws[[0, 1]]}
        assert set(by_worker) == {0, 1}
        assert by_worker[0] != by_worker[1]
    assert not torch.equal(epochs[0], epochs[1])
    for again, first in zip(_worker_draws(0), epochs):
        torch.testing.assert_close(again, first)


def test_augmentation_does_not_depend_on_the_number_of_workers(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "train.lmdb"
    with LMDBWriter(path) as writer:
        for _ in range(4):
            frames = rng.integers(0, 256, (12, 16, 16, 3), dtype=np.uint8)
            segment = np.zeros((12, 16, 16), np.uint8)
            segment[:, 4:9, 3:12] = 1
            writer.write({"video": [codec.encode_png(f) for f in frames], "segment": [codec.encode_png(s) for s in segment]})
    dataset = VideoDataset(path, chunk_len=6, transform=train_transforms(12), keys=("video", "segment", "bbox"))
    batches = []
    for workers in (0, 2):
        sampler = TrainSampler(len(dataset), seed=5)
        loader = DataLoader(dataset, batch_size=2, sampler=sampler, num_workers=workers,
                            collate_fn=collate, worker_init_fn=worker_init_fn)
        batches.append(list(itertools.islice(iter(loader), 3)))
    for zero_workers, two_workers in zip(*batches):
        for key in ("video", "segment", "bbox"):
            torch.testing.assert_close(zero_workers[key], two_workers[key])
