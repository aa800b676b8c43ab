"""SAVi conditioned on first-frame boxes on MOVi-A, with the paper's settings (Kipf et al. 2022,
section 4 and appendix A.6; MOVi-A is the released successor of the paper's MOVi, see
``docs/datasets.md``).

Make the data: ``python convert.py movi_a --src RAW --dst data/movi_a --resolution 128`` (``docs/datasets.md``).

The model: four 5x5 convolutions of 32 channels at stride 1 (the last without ReLU), the grid
position embedding, LayerNorm and a 1x1 ReLU MLP to 64; box MLP initializer (256 hidden, ReLU, to
128; (-1, -1, -1, -1) for the slots of absent objects); a corrector of one slot-attention iteration
at D = 128 with a GRU and no residual MLP; a post-norm Transformer predictor (4 heads, MLP 256);
the spatial broadcast decoder (8x8, four 5x5 transposed convolutions of 64 channels at strides 2,
2, 2, 1). Target: the backward optical flow rendered as RGB (saturation 1 at 7 px per frame at 64
px, ``FlowToRGB``); loss: the squared error summed over frames and pixels, averaged over the
batch (``SumSquaredError``), which clipping at 0.05 keeps in check. Data: 11 slots (MOVi-A has at
most 10 objects), 6-frame training clips at 64 px with no augmentation, batch 64, 100k steps of
Adam at 2e-4 with 2.5k linear warm-up then cosine decay to 0. Evaluation: whole 24-frame videos,
each scored as one video, skipping the conditioned first frame; mIoU both Hungarian-matched and
aligned (the slot of object k against object k), FG-ARI as in the paper's Table 1.
"""

from object_centric_bench.config import ref
from object_centric_bench.datum.catalog import MOVi
from object_centric_bench.learn.loss import SumSquaredError
from object_centric_bench.model.backbone import SmallCNN
from object_centric_bench.model.decoder_cnn import SpatialBroadcastDecoder
from object_centric_bench.model.encoder import SpatialEncoder
from object_centric_bench.model.initializer import BoxInitializer
from object_centric_bench.model.predictor import TransformerPredictor
from object_centric_bench.model.projection import EncoderProjection, GridPositionEmbedding
from object_centric_bench.model.savi import SAVi
from object_centric_bench.model.slot_attention import SlotAttention
from object_centric_bench.presets.common import adam_warmup_cosine, masks_to_segment, segmentation_metrics

size = 64
num_slots = 11
slot_dim = 128
token_dim = 64
channels = 32
lr = 2e-4

total_steps = 100_000
val_interval = 5_000
batch_size_train = 64
batch_size_val = 8
num_workers = 4
precision = "fp32"
data_dir = "data"
variant = "movi_a"

_keys = ("video", "segment", "bbox", "flow")
_data = dict(type=MOVi, size=ref("size"), keys=_keys, num_objects=ref("num_slots"), flow_rgb=True,
             conditions=("centre", "first_mask"))
dataset_t = dict(_data, data_file=ref("variant") + "/train.lmdb", split="train", augment=False)
dataset_v = dict(_data, data_file=ref("variant") + "/val.lmdb", split="val")

model = dict(
    type=SAVi,
    encoder=dict(
        type=SpatialEncoder,
        backbone=dict(type=SmallCNN, channels=ref("channels"), strides=(1, 1, 1, 1), final_activation=False),
        position_embedding=dict(type=GridPositionEmbedding, dim=ref("channels")),
        projection=dict(type=EncoderProjection, in_dim=ref("channels"), hidden_dim=ref("token_dim"),
                        out_dim=ref("token_dim"), activation="relu"),
    ),
    initializer=dict(type=BoxInitializer, slot_dim=ref("slot_dim"), hidden_dim=256),
    aggregator=dict(type=SlotAttention, in_dim=ref("token_dim"), slot_dim=ref("slot_dim"), num_iterations=1,
                    residual_mlp=False),
    predictor=dict(type=TransformerPredictor, slot_dim=ref("slot_dim"), num_heads=4, mlp_hidden_dim=256),
    decoder=dict(type=SpatialBroadcastDecoder, slot_dim=ref("slot_dim"), out_channels=3, broadcast_size=8,
                 channels=64, strides=(2, 2, 2, 1), kernel_size=5),
)
model_imap = dict(video="batch.video", bbox="batch.bbox")
postprocess_v = masks_to_segment("output.mask")
loss_fn = dict(recon=dict(fn=dict(type=SumSquaredError), map=dict(input="output.recon", target="batch.flow_rgb")))
metric_fn_v = segmentation_metrics(temporal="video", skip_first=True, aligned_miou=True)

optimizer, schedules = adam_warmup_cosine(ref("lr"), ref("total_steps"), warmup_steps=2_500, final_ratio=0.0)
clip_grad_norm = 0.05
