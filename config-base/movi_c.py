"""Fragment: MOVi-C clips (training draws one 6-frame chunk of each 24-frame video, validation
scores whole videos), up to 10 objects. Named in ``_base_`` after a method's ``_r-ytvis`` config,
with ``boxes.py`` for the box-conditioned ``_c`` configs.

Boxes as the RandSF.Q v3 reference builds them (``docs/datasets.md``): one row per object present
in the clip after augmentation (no background row, zeros where it is not visible), right / bottom
at the last pixel's index, zero rows padding each batch to its largest count, so the slot count is
that count; ``num_slots`` (11, read by ``boxes.py`` as ``num_objects``) only bounds it. The
synthetic ``_c`` configs keep ``boxes.py``'s fixed padding."""

from object_centric_bench.config import ref, replace
from object_centric_bench.datum.catalog import MOVi

num_slots = 11
chunk_len = 6
dataset_t = replace(dict(type=MOVi, data_file="movi_c/train.lmdb", split="train", size=ref("size"),
                         chunk_len=ref("chunk_len"), box_rows="present", box_edges="inclusive"))
dataset_v = replace(dict(type=MOVi, data_file="movi_c/val.lmdb", split="val", size=ref("size"),
                         box_rows="present", box_edges="inclusive"))
