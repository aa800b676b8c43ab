"""Loader throughput: a small per-frame PNG video LMDB read through the training pipeline.

Builds 200 videos of 24 frames at 64x64 in a temporary folder, then times a DataLoader (batch 16,
6-frame clips drawn per video, random resized crop + flip + normalisation + boxes) with 0 and 2
workers. Run: ``python benchmarks/bench_loader.py [--videos 200] [--batches 40]``.
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from object_centric_bench.datum import codec
from object_centric_bench.datum.collate import collate
from object_centric_bench.datum.dataset import VideoDataset
from object_centric_bench.datum.lmdb_io import LMDBWriter
from object_centric_bench.datum.sampler import TrainSampler, worker_init_fn
from object_centric_bench.datum.transform import train_transforms


def write_videos(path: Path, num_videos: int, num_frames: int, size: int) -> None:
    """Noisy frames with a few moving blocks, stored frame by frame as PNG."""
    rng = np.random.default_rng(0)
    with LMDBWriter(path) as writer:
        for _ in range(num_videos):
            video = rng.integers(0, 64, (num_frames, size, size, 3), dtype=np.uint8)
            segment = np.zeros((num_frames, size, size), np.uint8)
            for obj in range(1, 5):
                top, left = rng.integers(0, size - 16, 2)
                colour = rng.integers(64, 256, 3, dtype=np.uint8)
                for t in range(num_frames):
                    row, col = (top + t) % (size - 16), (left + 2 * t) % (size - 16)
                    segment[t, row : row + 12, col : col + 12] = obj
                    video[t, row : row + 12, col : col + 12] = colour
            writer.write({
                "video": [codec.encode_png(frame) for frame in video],
                "segment": [codec.encode_png(frame) for frame in segment],
            })


def time_loader(dataset, num_workers: int, batch_size: int, num_batches: int) -> tuple[float, float]:
    """(batches/s, samples/s) over ``num_batches`` batches after one warm-up batch."""
    loader = DataLoader(
        dataset, batch_size=batch_size, sampler=TrainSampler(len(dataset), seed=0),
        num_workers=num_workers, collate_fn=collate, worker_init_fn=worker_init_fn,
    )
    batches = iter(loader)
    next(batches)
    start = time.perf_counter()
    for _ in range(num_batches):
        next(batches)
    elapsed = time.perf_counter() - start
    return num_batches / elapsed, num_batches * batch_size / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=200)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--clip", type=int, default=6)
    parser.add_argument("--batches", type=int, default=40)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.lmdb"
        start = time.perf_counter()
        write_videos(path, args.videos, args.frames, args.size)
        print(f"wrote {args.videos} videos x {args.frames} frames {args.size}px "
              f"({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - start:.1f}s")
        dataset = VideoDataset(path, chunk_len=args.clip, transform=train_transforms(args.size),
                               keys=("video", "segment", "bbox"))
        for workers in (0, 2):
            batches_per_s, samples_per_s = time_loader(dataset, workers, args.batch_size, args.batches)
            print(f"num_workers={workers}: {batches_per_s:.1f} batches/s, {samples_per_s:.0f} samples/s "
                  f"({samples_per_s * args.clip:.0f} frames/s)")


if __name__ == "__main__":
    main()
