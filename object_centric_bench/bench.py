"""Measure a config's speed: ``python -m object_centric_bench.bench --cfg_file F [--steps N] ...``.

Runs the engine's own training step (``Engine.train_step``) on the config's data, timing batch
fetching and the step apart, after warm-up steps that are left out of the timing; then one
validation pass (or its first N batches). Prints steps/s, samples/s, the data-loading share,
the validation time and the peak memory (CUDA: ``torch.cuda.max_memory_allocated``; CPU: peak
resident set size of the process) for the device and precision the run used. Weights are not
saved. Pick the precision with ``--cfg-options precision=fp32`` (or bf16, fp16).
"""

import resource
import time

import torch

from . import cli
from .engine import Engine, to_device


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory_mib(device):
    """Peak allocated CUDA memory, or the peak resident set size of this process on a CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10  # KiB on Linux


def time_training(engine, steps, warmup):
    """Seconds spent fetching batches and in ``train_step`` over ``steps`` timed steps."""
    engine.net.train()
    batches = iter(engine.train_loader())
    data_seconds = step_seconds = 0.0
    for i in range(warmup + steps):
        synchronize(engine.device)
        start = time.perf_counter()
        batch = to_device(next(batches), engine.device)
        synchronize(engine.device)
        fetched = time.perf_counter()
        engine.schedules.apply(engine.step, engine.model, engine.optimizer)
        engine.train_step(batch)
        engine.step += 1
        synchronize(engine.device)
        if i >= warmup:
            data_seconds += fetched - start
            step_seconds += time.perf_counter() - fetched
    return data_seconds, step_seconds


def time_validation(engine, batches):
    """Seconds of one validation pass over the first ``batches`` batches (all when None)."""
    if batches is not None:
        count = min(len(engine.dataset_v), batches * engine.batch_size_val)
        engine.dataset_v = torch.utils.data.Subset(engine.dataset_v, range(count))
    synchronize(engine.device)
    start = time.perf_counter()
    result = engine.validate()
    synchronize(engine.device)
    return time.perf_counter() - start, result["num_samples"]


def report(engine, steps, data_seconds, step_seconds, val_seconds, val_samples):
    """The measured numbers as ``name: value`` lines."""
    total = data_seconds + step_seconds
    samples = steps * engine.batch_size_train * engine.info.world_size
    return [
        f"device: {engine.device}",
        f"precision: {engine.precision}",
        f"batch_size_train: {engine.batch_size_train}",
        f"timed_steps: {steps}",
        f"train_steps_per_s: {steps / total:.3f}",
        f"train_samples_per_s: {samples / total:.2f}",
        f"step_ms: {1000 * step_seconds / steps:.1f}",
        f"data_ms: {1000 * data_seconds / steps:.1f}",
        f"data_share: {data_seconds / total:.3f}",
        f"eval_seconds: {val_seconds:.2f}",
        f"eval_samples: {val_samples}",
        f"peak_memory_mib: {peak_memory_mib(engine.device):.0f}",
    ]


@cli.friendly_errors
def main(argv=None):
    parser = cli.parser(__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed training steps (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before timing (default 3)")
    parser.add_argument("--val_batches", "--val-batches", dest="val_batches", type=int,
                        help="time only the first N validation batches (default: the whole split)")
    args = parser.parse_args(argv)
    if args.cfg_file is None:
        parser.error("--cfg_file is required")
    if args.steps < 1 or args.warmup < 0:
        parser.error("--steps must be at least 1 and --warmup at least 0")
    if args.val_batches is not None and args.val_batches < 1:
        parser.error("--val_batches must be at least 1")
    cfg = cli.load_with_overrides(args.cfg_file, args.cfg_options)
    engine = Engine(cfg, device=args.device, data_dir=args.data_dir)
    if engine.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(engine.device)
    data_seconds, step_seconds = time_training(engine, args.steps, args.warmup)
    val_seconds, val_samples = time_validation(engine, args.val_batches)
    if engine.info.is_main:
        print("\n".join(report(engine, args.steps, data_seconds, step_seconds, val_seconds, val_samples)))
    return engine


if __name__ == "__main__":
    main()
