"""Time to score a validation batch of video clips with ARI, FG-ARI, mBO and mIoU on one CPU core.

The metric spec asks for "well under a second" for 8 clips of 24x256x256 with 24 slots, scored per
video. Run from the repository root: `python -m benchmarks.bench_metrics`.
"""

import argparse
import statistics
import time

import torch

from object_centric_bench.learn.metric import ari, mbo, miou


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--slots", type=int, default=24)
    parser.add_argument("--objects", type=int, default=10, help="ground-truth objects + background")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    shape = (args.clips, args.frames, args.size, args.size)
    pred = torch.randint(0, args.slots, shape, generator=generator)
    gt = torch.randint(0, args.objects + 1, shape, generator=generator)

    metrics = {
        "ari": lambda: ari(pred, gt),
        "ari_fg": lambda: ari(pred, gt, foreground_only=True),
        "mbo": lambda: mbo(pred, gt),
        "miou": lambda: miou(pred, gt),
    }
    print(f"batch {shape}, {args.slots} slots, 1 thread, median of {args.runs} runs")
    total = 0.0
    for name, score in metrics.items():
        seconds = []
        for _ in range(args.runs):
            start = time.perf_counter()
            score()
            seconds.append(time.perf_counter() - start)
        median = statistics.median(seconds)
        total += median
        print(f"{name:>7}: {median * 1000:7.1f} ms")
    print(f"{'total':>7}: {total * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
