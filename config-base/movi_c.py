"""Fragment: MOVi-C clips (training draws one 6-frame chunk of each 24-frame video, validation
scores whole videos) with 11 slots, up to 10 objects + background. Named in ``_base_`` after a
method's ``_r-ytvis`` config, with ``boxes.py`` for the box-conditioned ``_c`` configs."""

from object_centric_bench.config import ref, replace
from object_centric_bench.datum.catalog import MOVi

num_slots = 11
chunk_len = 6
dataset_t = replace(dict(type=MOVi, data_file="movi_c/train.lmdb", split="train", size=ref("size"),
                         chunk_len=ref("chunk_len")))
dataset_v = replace(dict(type=MOVi, data_file="movi_c/val.lmdb", split="val", size=ref("size")))
