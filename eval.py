"""Score checkpoints on the validation split: ``python eval.py --cfg_file F --ckpt_file C [C ...]``.

Prints one row per checkpoint and the mean +- std over checkpoints (seeds); ``--out`` writes the
same as JSON together with the protocol record (how every number was computed).
"""

import json

from object_centric_bench import cli
from object_centric_bench.engine import Engine, summarise


def table(rows, names):
    head = f"{'checkpoint':<48}" + "".join(f"{n:>16}" for n in names)
    lines = [head, "-" * len(head)]
    for label, values in rows:
        lines.append(f"{label[-48:]:<48}" + "".join(f"{values[n]:>16}" for n in names))
    return "\n".join(lines)


@cli.friendly_errors
def main(argv=None):
    parser = cli.parser(__doc__)
    parser.add_argument("--ckpt_file", "--ckpt-file", dest="ckpt_file", nargs="+", required=True)
    parser.add_argument("--out", help="write the results and their protocol as JSON to this file")
    args = parser.parse_args(argv)
    if args.cfg_file is None:
        parser.error("--cfg_file is required")
    cfg = cli.load_with_overrides(args.cfg_file, args.cfg_options)
    engine = Engine(cfg, device=args.device, data_dir=args.data_dir, train=False)
    results = []
    for path in args.ckpt_file:
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
            protocol = dict(results[0]["protocol"], checkpoint=args.ckpt_file,
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
