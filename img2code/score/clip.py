"""Design2Code's CLIP score: cosine similarity of CLIP image embeddings of both pages, their text
painted out first (OpenCV inpainting over every text block, as the paper does), so that CLIP judges
the look of the layout and the text is left to the Text score.

The paper uses OpenAI's CLIP ViT-B/32. Weights are looked for locally only (``$IMG2CODE_CLIP_MODEL``,
a folder or hub id, else ``openai/clip-vit-base-patch32`` in the Hugging Face cache) and loaded once
per process through transformers; without them the score is reported unavailable, never guessed.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from .design2code import TextBlocks

log = logging.getLogger(__name__)

CLIP_MODEL = "openai/clip-vit-base-patch32"
CLIP_ENV = "IMG2CODE_CLIP_MODEL"
INPAINT_RADIUS = 3


def clip_weights() -> tuple[str, str | None]:
    """The CLIP model asked for, and the local folder of its weights (None when there are none)."""
    from ..backends.transformers import find_local_weights  # torch-free: it only looks at files

    model = os.environ.get(CLIP_ENV) or CLIP_MODEL
    folder = find_local_weights(model)
    return model, None if folder is None else str(folder)


def unavailable_reason() -> str | None:
    """Why CLIP cannot be scored here, or None when it can."""
    model, folder = clip_weights()
    if folder is None:
        return f"no local weights for {model} (download them, or set ${CLIP_ENV} to a CLIP folder)"
    try:
        _load(folder)
    except (ImportError, OSError, ValueError) as exc:
        return f"CLIP weights at {folder} could not be loaded: {exc}"
    return None


@lru_cache(maxsize=2)
def _load(folder: str) -> tuple[Any, Any]:
    """The CLIP model and its image processor (torch and transformers are imported only here)."""
    import torch
    from transformers import CLIPImageProcessor, CLIPModel

    log.info("loading CLIP from %s", folder)
    model = CLIPModel.from_pretrained(folder, local_files_only=True).eval()
    processor = CLIPImageProcessor.from_pretrained(folder, local_files_only=True)
    torch.set_grad_enabled(False)
    return model, processor


def without_text(image: Image.Image, blocks: TextBlocks) -> Image.Image:
    """The page with every text block's box filled in from its surroundings (Telea inpainting)."""
    rgb = np.asarray(image.convert("RGB"))
    height, width = rgb.shape[:2]
    mask = np.zeros((height, width), np.uint8)
    for block in blocks.blocks:
        x0, y0 = int(block.x * width), int(block.y * height)
        x1, y1 = (
            int(np.ceil((block.x + block.width) * width)),
            int(np.ceil((block.y + block.height) * height)),
        )
        mask[y0:y1, x0:x1] = 255
    return Image.fromarray(cv2.inpaint(rgb, mask, INPAINT_RADIUS, cv2.INPAINT_TELEA))


def clip_similarity(first: Image.Image, second: Image.Image, folder: str) -> float:
    """Cosine similarity of the two images' CLIP embeddings."""
    import torch

    model, processor = _load(folder)
    pixels = processor(images=[first, second], return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        features = model.get_image_features(pixel_values=pixels)
    if not isinstance(features, torch.Tensor):  # newer transformers wrap the projected features
        features = features.pooler_output
    features = torch.nn.functional.normalize(features.float(), dim=-1)
    return float((features[0] * features[1]).sum())


def clip_score(
    reference: Image.Image, ref_blocks: TextBlocks, candidate: Image.Image, cand_blocks: TextBlocks
) -> float:
    """Design2Code's CLIP score of a candidate page: both pages with their text painted out."""
    _, folder = clip_weights()
    if folder is None:
        raise FileNotFoundError("no CLIP weights; ask unavailable_reason() first")
    return clip_similarity(without_text(reference, ref_blocks), without_text(candidate, cand_blocks), folder)
