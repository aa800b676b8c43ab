"""Fragment: MOVi-C clips (training draws one 6-frame chunk of each 24-frame video, validation
scores whole videos) with 11 slots, up to 10 objects + background. Named in ``_base_`` after a
method's ``_r-ytvis`` config, with ``boxes.py`` for the box-conditioned ``_c`` configs."""

from object_centric_bench.config import ref, replace
from object_centric_bench.presets import video_data

num_slots = 11
chunk_len = 6
dataset_t, dataset_v = (replace(node) for node in video_data.movi("movi_c", ref("size"), ref("chunk_len")))
