"""Train an experiment: ``python train.py --cfg_file config-x/y.py [--cfg-options k=v ...]``.

With no ``--cfg_file`` it trains the embedded default: a small video model on synthetic data that
is generated on first use, about five minutes on two CPU cores.
"""

from object_centric_bench import cli, default_run
from object_centric_bench.engine import Engine


@cli.friendly_errors
def main(argv=None):
    parser = cli.parser(__doc__)
    parser.add_argument("--save_dir", "--save-dir", dest="save_dir", default="save", help="runs go to SAVE_DIR/<config folder>/<config>/<seed>/")
    parser.add_argument("--seed", type=int, help="run seed (default: the config's seed, else 0)")
    parser.add_argument("--resume", nargs="?", const="auto", default="auto", metavar="PATH",
                        help="continue from PATH (default: the newest checkpoint of the run directory)")
    parser.add_argument("--no_resume", "--no-resume", dest="no_resume", action="store_true",
                        help="start from step 0 even if the run directory holds checkpoints")
    parser.add_argument("--ckpt_file", "--ckpt-file", dest="ckpt_file", nargs="+", default=[], metavar="PATH[@SRC=DST,...]",
                        help="initialise weights from other checkpoints, optionally renaming key prefixes")
    args = parser.parse_args(argv)
    embedded = args.cfg_file is None
    if args.print_config:  # the config alone: the embedded default's data is not generated for it
        cfg = cli.load_with_overrides(str(default_run.CONFIG_FILE) if embedded else args.cfg_file, args.cfg_options)
        print(cli.resolved_text(cfg), end="")
        return None
    if embedded:
        cfg_file, data_dir = default_run.prepare()
        args.cfg_file = str(cfg_file)
        args.data_dir = args.data_dir or str(data_dir)
    cfg = cli.load_with_overrides(args.cfg_file, args.cfg_options)
    seed = args.seed if args.seed is not None else cfg.get("seed", 0)
    run_dir = cli.run_directory(args.save_dir, args.cfg_file, seed)
    engine = Engine(cfg, run_dir=run_dir, device=args.device, seed=seed, data_dir=args.data_dir)
    engine.fit(resume=None if args.no_resume else args.resume, init_ckpts=args.ckpt_file)
    if embedded and engine.info.is_main:
        print(default_run.report(run_dir))
    return engine


if __name__ == "__main__":
    main()
