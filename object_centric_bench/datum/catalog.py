"""The datasets configs name: one class per dataset (MOVi-A..E, YTVIS, COCO, VOC, ClevrTex)
and the standard ones they build on (synthetic scenes use these directly), with their loading
rules as defaults (``docs/datasets.md``, "Dataset classes for configs").

Each class reads the project's converted files and the released LMDB files alike (decoding is in
``dataset.py``) and fixes what differs per dataset: which keys a sample has, how videos are cut
into clips, and the standard augmentation. ``split`` picks the training rules (a random chunk of
the clip, random resized crop and flip) or the validation ones (the whole clip, centre square).

``size`` is the output side (crop and resize, ImageNet normalisation, boxes recomputed from the
masks); ``size=None`` returns the frames as stored. ``num_objects`` pads object axes to a fixed
count (conditional models); videos can instead take the RandSF.Q v3 reference's boxes (``box_rows``,
``box_edges``). ``transform`` replaces the whole pipeline.
"""

from functools import partialmethod

from object_centric_bench.datum.dataset import ImageDataset, VideoDataset
from object_centric_bench.datum.transform import (
    Compose,
    FlowToRGB,
    MergeStuffIntoBackground,
    ObjectConditions,
    PadObjects,
    RecomputeBoxes,
    check_choice,
    train_transforms,
    val_transforms,
)

SPLITS = ("train", "val")


def check_split(split: str) -> None:
    """Refuse a split other than ``train`` / ``val`` with a ``ValueError`` naming the choices."""
    check_choice("split", split, SPLITS)


def standard_transform(split: str, size: int | None, num_objects: int | None, first=(), last=(),
                       box_rows: str = "numbered", box_edges: str = "exclusive", augment: bool = True) -> Compose:
    """``first`` steps, the split's crop / resize / normalise / boxes pipeline (``augment=False``:
    the validation one for training too), ``last`` steps, padding.

    ``box_rows="numbered"`` pads object axes to ``num_objects``; ``"present"`` keeps one box row per
    object of the clip (``RecomputeBoxes``), at most ``num_objects``, for the collate to pad per batch.
    """
    check_split(split)
    present = box_rows == "present"
    recompute = RecomputeBoxes(box_rows, box_edges, num_objects if present else None)
    steps = list(first)
    if size is not None:
        steps += (train_transforms if split == "train" and augment else val_transforms)(size, boxes=recompute).transforms
    elif (box_rows, box_edges) != ("numbered", "exclusive"):
        raise ValueError(f"box_rows={box_rows!r}, box_edges={box_edges!r} recompute the boxes after the crop: give a size")
    steps += list(last)
    if num_objects is not None and not present:
        steps.append(PadObjects(num_objects))
    return Compose(steps)


class StandardVideos(VideoDataset):
    """Videos under the standard rules: ``clip_len`` cuts each video into clips (None: whole
    videos; ``tail`` as in ``VideoDataset``); training draws one of each clip's non-overlapping
    ``chunk_len``-frame chunks (None: the whole clip), validation takes the whole clip.
    ``flow_rgb`` adds ``flow_rgb``, the flow rendered as SAVi's RGB target (``FlowToRGB``; needs
    ``flow`` in ``keys``): ``True`` at the frame-relative scale, a number at saturation 1 for that
    many pixels. ``conditions`` adds SAVi's other first-frame signals, computed from the augmented
    masks next to the boxes (``ObjectConditions``: ``"centre"`` (T, K, 2), ``"first_mask"`` (K, H,
    W)), padded to ``num_objects`` with -1 centres and zero masks. ``augment=False`` trains on
    the validation pipeline (centre square, resize; SAVi trains without augmentation).

    Boxes (``bbox`` in ``keys``) are recomputed from the augmented masks. ``box_rows="numbered"``: row
    k for object id k + 1 of the video (zeros where it is not visible), padded to ``num_objects``
    when given. ``"present"``: the RandSF.Q v3 reference's rows, one per object present in the
    clip after augmentation, no background row; the collate pads them with zero rows to the
    batch's largest count, and ``num_objects`` only bounds the count. ``box_edges``:
    ``"exclusive"`` right / bottom are pixel edges ((last + 1) / size), ``"inclusive"`` the last
    pixel's index / size (the reference's). The synthetic videos of ``convert.py synth`` use this
    class as it is."""

    def __init__(
        self,
        data_file,
        split: str = "train",
        size: int | None = 256,
        clip_len: int | None = None,
        chunk_len: int | None = None,
        keys=("video", "segment"),
        num_objects: int | None = None,
        flow_rgb: bool | float = False,
        transform=None,
        on_error: str = "raise",
        tail: str = "drop",
        box_rows: str = "numbered",
        box_edges: str = "exclusive",
        conditions=(),
        augment: bool = True,
    ):
        check_split(split)
        if flow_rgb is not False and "flow" not in keys:
            raise ValueError("flow_rgb renders the flow: add 'flow' to keys")
        if conditions and ("segment" not in keys or box_rows != "numbered"):
            raise ValueError("conditions are computed from the masks in numbered rows: add 'segment' to keys "
                             "and keep box_rows='numbered'")
        if transform is None:
            last = [] if flow_rgb is False else [FlowToRGB(None if flow_rgb is True else flow_rgb)]
            last += [ObjectConditions(conditions)] if conditions else []
            transform = standard_transform(split, size, num_objects, last=last, box_rows=box_rows,
                                           box_edges=box_edges, augment=augment)
        super().__init__(
            data_file,
            clip_len=clip_len,
            tail=tail,
            chunk_len=chunk_len if split == "train" else None,
            transform=transform,
            keys=keys,
            on_error=on_error,
        )


class MOVi(StandardVideos):
    """MOVi-A .. MOVi-E: whole 24-frame videos (optionally with ``bbox``, backward ``flow`` and
    ``depth``); training draws one of the four aligned 6-frame chunks (``chunk_len=None`` trains
    on whole videos). The box-conditioned
    configs take the RandSF.Q v3 reference's boxes (``box_rows="present", box_edges="inclusive"``,
    set in ``config-base/movi_c.py``)."""

    __init__ = partialmethod(StandardVideos.__init__, chunk_len=6)  # the rules' defaults, nothing else


class YTVIS(StandardVideos):
    """YTVIS (HQ split of YouTube-VIS 2019): videos cut into 20-frame clips as the RandSF.Q v3
    reference cuts them (shorter videos are dropped, the last clip ends at the video's last frame,
    ``tail="aligned"``; ``"drop"`` leaves the tail out); training draws one of each clip's four
    5-frame chunks, validation takes the whole clip. ``clazz`` (t, s) holds the category of id s + 1."""

    __init__ = partialmethod(StandardVideos.__init__, clip_len=20, chunk_len=5, tail="aligned")


class StandardImages(ImageDataset):
    """Images under the split's standard pipeline; VOC, ClevrTex and the synthetic images of
    ``convert.py synth`` need nothing more. ``first`` lists steps run ahead of it."""

    def __init__(
        self,
        data_file,
        split: str = "train",
        size: int | None = 256,
        keys=("image", "segment"),
        num_objects: int | None = None,
        transform=None,
        on_error: str = "raise",
        first=(),
    ):
        check_split(split)
        if transform is None:
            transform = standard_transform(split, size, num_objects, first=first)
        super().__init__(data_file, transform=transform, keys=keys, on_error=on_error)


class COCO(StandardImages):
    """COCO 2017 panoptic. For object discovery (``merge_stuff=True``) stuff segments join the
    background and thing ids are compacted to 1..n, before the crop; ``False`` keeps every
    panoptic segment. ``isthing`` is read whenever stuff is merged; without ``segment`` in
    ``keys`` (images only, as the VQ-VAE reads them) there is nothing to merge."""

    def __init__(
        self,
        data_file,
        split: str = "train",
        size: int | None = 256,
        merge_stuff: bool = True,
        keys=("image", "segment"),
        num_objects: int | None = None,
        transform=None,
        on_error: str = "raise",
    ):
        keys = tuple(keys)
        merge_stuff = merge_stuff and "segment" in keys
        if merge_stuff and "isthing" not in keys:
            keys += ("isthing",)
        first = [MergeStuffIntoBackground()] if merge_stuff else []
        super().__init__(data_file, split, size, keys, num_objects, transform, on_error, first=first)


class VOC(StandardImages):
    """PASCAL VOC object segmentation (train VOC2012, val VOC2007); void and border are 0."""


class ClevrTex(StandardImages):
    """ClevrTex (train clevrtex_full, val clevrtex_outd), 240x320 renders; add ``depth`` to keys for
    the depth map, returned as stored (the package states no unit)."""
