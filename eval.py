"""Score checkpoints on the validation split: ``python eval.py RUN_DIR [RUN_DIR ...]`` (runs of
train.py: each one's ``ckpt/last.pth``) or ``python eval.py [--cfg_file F] --ckpt_file C [C ...]``.

The config comes from ``--cfg_file``, else from the first run directory's ``config.py``, else from
the config stored in the first checkpoint; a run's config records the data directory it used, and
``--data_dir`` / ``--cfg-options`` override it as in training. Prints one row per checkpoint and the
mean +- std over checkpoints (seeds); ``--out`` writes the same as JSON together with the protocol
record (how every number was computed).
"""

import json
import os

from object_centric_bench import cli
from object_centric_bench.config import ConfigError, config_differences, load_config_text
from object_centric_bench.engine import BOOKKEEPING_KEYS, Engine, summarise


def table(rows, names):
    head = f"{'checkpoint':<48}" + "".join(f"{n:>16}" for n in names)
    lines = [head, "-" * len(head)]
    for label, values in rows:
        lines.append(f"{label[-48:]:<48}" + "".join(f"{values[n]:>16}" for n in names))
    return "\n".join(lines)


def run_checkpoint(run_dir):
    """``RUN_DIR/ckpt/last.pth``, the newest checkpoint train.py wrote into a run directory."""
    path = os.path.join(run_dir, "ckpt", "last.pth")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{run_dir} holds no checkpoint {path}: give a run directory of train.py "
            "(<save_dir>/<config folder>/<config>/<seed>) that has trained, or --ckpt_file PATH"
        )
    return path


def run_config(run_dir, options):
    """The ``config.py`` train.py wrote into a run directory, with the ``--cfg-options`` applied."""
    path = os.path.join(run_dir, "config.py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{run_dir} holds no config.py; pass --cfg_file to say how to build its model")
    return cli.load_with_overrides(path, options)


def check_same_config(checkpoints):
    """Without ``--cfg_file`` every checkpoint is scored under one stored config, so all must share it."""
    if len(checkpoints) < 2:
        return
    first = cli.stored_config(checkpoints[0])
    for path in checkpoints[1:]:
        differences = [k for k in config_differences(first, cli.stored_config(path)) if k not in BOOKKEEPING_KEYS]
        if differences:
            raise ConfigError(
                f"{path} was trained with another config than {checkpoints[0]} ({', '.join(differences)} "
                "differ); pass --cfg_file to score them all under one config"
            )


@cli.friendly_errors
def main(argv=None):
    parser = cli.parser(__doc__)
    parser.add_argument("run_dir", nargs="*", help="run directories of train.py (<save_dir>/<config folder>/<config>/<seed>)")
    parser.add_argument("--ckpt_file", "--ckpt-file", dest="ckpt_file", nargs="+", default=[], help="checkpoints to score")
    parser.add_argument("--out", help="write the results and their protocol as JSON to this file")
    args = parser.parse_args(argv)
    if args.print_config and args.cfg_file is not None:
        print(cli.resolved_text(cli.load_with_overrides(args.cfg_file, args.cfg_options)), end="")
        return None
    checkpoints = [run_checkpoint(run) for run in args.run_dir] + args.ckpt_file
    if not checkpoints:
        parser.error("give a run directory or --ckpt_file")
    if args.cfg_file is not None:
        cfg = cli.load_with_overrides(args.cfg_file, args.cfg_options)
    else:
        check_same_config(checkpoints)
        if args.run_dir:
            cfg = run_config(args.run_dir[0], args.cfg_options)
        else:
            cfg = cli.with_overrides(load_config_text(cli.stored_config(checkpoints[0]), checkpoints[0]), args.cfg_options)
    if args.print_config:
        print(cli.resolved_text(cfg), end="")
        return None
    engine = Engine(cfg, device=args.device, data_dir=args.data_dir, train=False)
    results = []
    for path in checkpoints:
        engine.load_weights(path)
        result = engine.validate()
        result["protocol"].update(checkpoint=path, seed=cli.checkpoint_seed(path))
        results.append(dict(checkpoint=path, **result["metric"], protocol=result["protocol"],
                            num_samples=result["num_samples"], num_valid=result["num_valid"]))
    names = list(engine.metrics_v)
    summary = {n: summarise([r[n] for r in results]) for n in names}
    if engine.info.is_main:
        rows = [(r["checkpoint"], {n: f"{r[n]:.4f}" for n in names}) for r in results]
        rows.append(("mean +- std", {n: f"{m:.4f}+-{s:.4f}" for n, (m, s) in summary.items()}))
        print(table(rows, names))
        if args.out:
            protocol = dict(results[0]["protocol"], checkpoint=checkpoints,
                            seed=[r["protocol"]["seed"] for r in results])
            payload = dict(
                checkpoints=results,
                mean={n: m for n, (m, _) in summary.items()},
                std={n: s for n, (_, s) in summary.items()},
                protocol=protocol,
            )
            with open(args.out, "w") as f:
                json.dump(payload, f, indent=2)
    return results


if __name__ == "__main__":
    main()
