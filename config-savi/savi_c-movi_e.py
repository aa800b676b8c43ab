"""SAVi conditioned on first-frame boxes on MOVi-E, with the paper's MOVi++ settings: ``savi_c-
movi_a.py`` at 128 px, where the encoder's first convolution takes stride 2 and its four
convolutions 64 channels, and the decoder's last transposed convolution stride 2 (the paper's
Tables A.5 and A.6). MOVi-E is the released successor of the paper's MOVi++ (``docs/datasets.md``).

One departure: 24 slots, not 11. MOVi-E scenes hold up to 23 objects (10-20 static ones and 1-3
thrown ones), and a conditional model needs a slot per object plus the background, as SAVi++
uses on this dataset.

Make the data (the 128 px release suffices): ``python convert.py movi_e --src RAW --dst data/movi_e
--resolution 128`` (``docs/datasets.md``).
"""

_base_ = "savi_c-movi_a.py"

variant = "movi_e"
size = 128
num_slots = 24
channels = 64
model = dict(encoder=dict(backbone=dict(strides=(2, 1, 1, 1))), decoder=dict(strides=(2, 2, 2, 2)))
