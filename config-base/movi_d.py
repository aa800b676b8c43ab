"""Fragment: MOVi-D, named after a ``_c-movi_c`` config in ``_base_``: the same clips from the
MOVi-D files, with up to 23 objects (``num_slots`` bounds the per-batch box count)."""

num_slots = 24
dataset_t = dict(data_file="movi_d/train.lmdb")
dataset_v = dict(data_file="movi_d/val.lmdb")
