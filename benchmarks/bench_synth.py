"""Time the synthetic generator on one core: generate, encode and write videos to an LMDB file.

Usage, from the repository root: ``python -m benchmarks.bench_synth [--num 1000] [--frames 24]``.
Prints seconds and frames per second per difficulty; the target is 1,000 24-frame 64 px videos
in under a minute.
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402  (thread limits must be set before numpy loads)
import tempfile  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402

from object_centric_bench.datum import synth  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=1000)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--max-objects", type=int, default=6)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    for difficulty in synth.DIFFICULTIES:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            path = synth.generate_split(
                folder, "train", args.num, seed=0, kind="video", resolution=args.resolution,
                frames=args.frames, max_objects=args.max_objects, difficulty=difficulty,
                progress=False,
            )
            seconds = time.perf_counter() - start
            megabytes = path.stat().st_size / 2**20
        frames_per_second = args.num * args.frames / seconds
        print(
            f"{difficulty:>8}: {args.num} videos x {args.frames} frames at {args.resolution} px "
            f"in {seconds:.1f} s ({frames_per_second:,.0f} frames/s, {megabytes:.0f} MiB written)"
        )


if __name__ == "__main__":
    main()
