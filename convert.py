"""Build the project's LMDB datasets and convert reference checkpoints: ``python convert.py <name> ...``.

``<name>`` is a dataset (``python convert.py <dataset> --dst OUT [options]``) or ``checkpoint``.

A converter is a module with ``add_arguments(parser)`` and ``main(args)`` (``args.dataset`` names
the subcommand, so one module can serve several datasets); the first line of its docstring is the
subcommand's help. Adding one is one line in ``CONVERTERS``. Converters import optional heavy
dependencies inside ``main``, so listing them here never requires those packages.
"""

import argparse
import importlib

CONVERTERS = {
    "synth": "object_centric_bench.datum.synth",
    **{variant: "object_centric_bench.datum.convert_movi"
       for variant in ("movi_a", "movi_b", "movi_c", "movi_d", "movi_e")},
    "ytvis": "object_centric_bench.datum.convert_ytvis",
    "coco": "object_centric_bench.datum.convert_coco",
    "voc": "object_centric_bench.datum.convert_voc",
    "clevrtex": "object_centric_bench.datum.convert_clevrtex",
    "checkpoint": "object_centric_bench.reference_checkpoint",
}


def build_parser() -> argparse.ArgumentParser:
    """One subcommand per converter, with that converter's own options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="dataset", required=True, metavar="dataset")
    for name, module_name in CONVERTERS.items():
        converter = importlib.import_module(module_name)
        summary = converter.__doc__.strip().splitlines()[0]
        sub = subparsers.add_parser(name, help=summary, description=summary)
        converter.add_arguments(sub)
        sub.set_defaults(convert=converter.main)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.convert(args)


if __name__ == "__main__":
    main()
