"""A tiny, randomly initialised CLIP (model and image processor) built offline for tests.

It proves the real ``from_pretrained`` path of the CLIP score on machines without the real weights;
its embeddings are noise, but the same image still embeds the same way (similarity 1).
"""

from __future__ import annotations

from pathlib import Path


def build_tiny_clip(out_dir: Path, seed: int = 0) -> Path:
    """Save a ~300 KB CLIP with 64x64 inputs under ``out_dir`` and return the folder."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    torch.manual_seed(seed)
    layers = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2}
    config = CLIPConfig(
        text_config={**layers, "vocab_size": 49408, "max_position_embeddings": 16},
        vision_config={**layers, "image_size": 64, "patch_size": 16},
        projection_dim=16,
    )
    CLIPModel(config).save_pretrained(out_dir)
    CLIPImageProcessor(size={"shortest_edge": 64}, crop_size={"height": 64, "width": 64}).save_pretrained(
        out_dir
    )
    return out_dir
