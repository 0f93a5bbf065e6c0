"""A tiny, randomly initialised Qwen3-VL (model, tokenizer, processor) built offline for tests.

It has the same structure as Qwen3-VL-8B-Instruct (deepstack vision tower, interleaved M-RoPE,
untied lm_head, the same image patching) at about 2 MB, so the real ``from_pretrained`` path
can be tested on machines that cannot reach the Hugging Face Hub. Its output is noise: it
proves the code path, never the quality.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import Qwen2TokenizerFast

# A few KB of HTML, draw.io XML and prose: enough for a byte-level BPE with useful merges.
_CORPUS = [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Landing page</title>'
    "<style>body{margin:0;font-family:sans-serif}nav{display:flex;justify-content:space-between;"
    "padding:16px 32px}.hero{padding:80px 32px;background:#0f172a;color:#fff}"
    ".card{border-radius:8px;box-shadow:0 1px 3px #0003}</style></head><body><nav>"
    '<a href="#">Home</a><a href="#">Pricing</a><a href="#">About</a></nav>'
    '<section class="hero"><h1>Build faster</h1><p>Ship beautiful pages.</p>'
    '<button>Get started</button></section><div class="cards"><div class="card"><h2>Fast</h2>'
    "<p>Lorem ipsum dolor sit amet.</p></div></div><footer><p>&copy; 2025 Example Inc.</p>"
    "</footer></body></html>",
    '<mxfile><diagram name="Page-1"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
    '<mxCell id="2" value="Start" style="rounded=1;whiteSpace=wrap;html=1;" vertex="1" parent="1">'
    '<mxGeometry x="40" y="40" width="120" height="60" as="geometry"/></mxCell></root>'
    "</mxGraphModel></diagram></mxfile>",
    "Describe this screenshot and write the HTML. The user wants a web page with a header, "
    "a table, a form and a footer.",
] * 20

# Qwen's special tokens, in Qwen's order ("<|endoftext|>" first: it is the pad token).
_SPECIALS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
]  # fmt: skip

# A trimmed Qwen chat template: system/user/assistant turns with image and video placeholders.
_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if loop.first and message['role'] != 'system' -%}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{%- endif -%}"
    "{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{%- if message['content'] is string -%}{{ message['content'] }}"
    "{%- else -%}{%- for c in message['content'] -%}"
    "{%- if c['type'] == 'image' or 'image' in c or 'image_url' in c -%}"
    "{{ '<|vision_start|><|image_pad|><|vision_end|>' }}"
    "{%- elif c['type'] == 'video' or 'video' in c -%}"
    "{{ '<|vision_start|><|video_pad|><|vision_end|>' }}"
    "{%- elif 'text' in c -%}{{ c['text'] }}{%- endif -%}"
    "{%- endfor -%}{%- endif -%}"
    "{{ '<|im_end|>\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)

# Image processing exactly as Qwen3-VL-8B-Instruct: 16 px patches merged 2x2 (32 px per token).
_VISION_PROCESSING = {
    "patch_size": 16,
    "temporal_patch_size": 2,
    "merge_size": 2,
    "image_mean": [0.5, 0.5, 0.5],
    "image_std": [0.5, 0.5, 0.5],
}


def _build_tokenizer() -> Qwen2TokenizerFast:
    """Train a 1024-token byte-level BPE and wrap it as Qwen's fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2TokenizerFast

    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1024,
        special_tokens=_SPECIALS,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(_CORPUS, trainer)
    return Qwen2TokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token=None,
        bos_token=None,
        additional_special_tokens=_SPECIALS[1:],
        model_max_length=32768,
        padding_side="left",
    )


def build_tiny_qwen3vl(out_dir: Path, seed: int = 0) -> Path:
    """Save a tiny random Qwen3-VL (weights, tokenizer, processor) to ``out_dir`` and return it.

    Needs torch, torchvision and transformers, but no network.
    """
    import torch
    from transformers import (
        GenerationConfig,
        Qwen2VLImageProcessorPil,
        Qwen3VLConfig,
        Qwen3VLForConditionalGeneration,
        Qwen3VLProcessor,
        Qwen3VLVideoProcessor,
    )

    torch.manual_seed(seed)
    tokenizer = _build_tokenizer()
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in _SPECIALS}
    processor = Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessorPil(
            size={"shortest_edge": 65536, "longest_edge": 16777216}, **_VISION_PROCESSING
        ),
        video_processor=Qwen3VLVideoProcessor(
            size={"shortest_edge": 4096, "longest_edge": 25165824}, **_VISION_PROCESSING
        ),
        tokenizer=tokenizer,
        chat_template=_CHAT_TEMPLATE,
    )
    config = Qwen3VLConfig(
        text_config={
            "vocab_size": (len(tokenizer) + 63) // 64 * 64,
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": 16,
            "hidden_act": "silu",
            "max_position_embeddings": 4096,
            "rms_norm_eps": 1e-6,
            "attention_bias": False,
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 5000000.0,
                "mrope_section": [4, 2, 2],  # sums to head_dim / 2
                "mrope_interleaved": True,
            },
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config={
            "depth": 4,
            "hidden_size": 32,
            "intermediate_size": 64,
            "num_heads": 2,
            "in_channels": 3,
            "patch_size": 16,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "out_hidden_size": 64,
            "num_position_embeddings": 2304,
            "deepstack_visual_indexes": [1, 2, 3],
            "hidden_act": "gelu_pytorch_tanh",
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=False,
    )
    model = Qwen3VLForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        eos_token_id=[ids["<|im_end|>"], ids["<|endoftext|>"]],
        pad_token_id=ids["<|endoftext|>"],
        do_sample=False,
        max_new_tokens=32,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    return out_dir
