"""The tiny Qwen3-VL rewired to answer every prompt with one fixed HTML snippet.

A random model answers noise, which no extractor turns into a page, so a run through it always
fails. Here the attention and MLP outputs are zeroed (each position's hidden state is then its own
token embedding) and the lm_head rows are set so that each token of the answer predicts the next:
a bigram chain from the end of the chat prompt through the answer to ``<|im_end|>``. It is still a
real checkpoint loaded by real servers; only its weights are chosen rather than random. The
answer's tokens must all differ, since a token can only have one successor.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

ANSWER = '<h1 style="background:navy">Build faster</body>'
SCALE = 50.0  # logit gap: the chain wins under any sampling setting


def build_scripted_qwen3vl(tiny_dir: Path, out_dir: Path, answer: str = ANSWER) -> Path:
    """Save a copy of the tiny model at ``tiny_dir`` that always answers ``answer``; return ``out_dir``."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_dir)
    model = AutoModelForImageTextToText.from_pretrained(tiny_dir, dtype=torch.float32)
    tokenizer = processor.tokenizer
    chat = [{"role": "user", "content": [{"type": "text", "text": "x"}]}]
    prompt = processor.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
    last_prompt_token = tokenizer.encode(prompt, add_special_tokens=False)[-1]
    answer_ids = tokenizer.encode(answer, add_special_tokens=False)
    chain = [last_prompt_token, *answer_ids, tokenizer.convert_tokens_to_ids("<|im_end|>")]
    if len(set(chain)) != len(chain):
        raise ValueError(f"the answer's tokens repeat (or meet the prompt's last one): {answer!r}")
    text_model = model.model.language_model
    with torch.no_grad():
        for layer in text_model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        text_model.norm.weight.fill_(1.0)
        embeddings = text_model.embed_tokens.weight
        head = model.lm_head.weight
        head.zero_()
        for current, following in pairwise(chain):
            head[following] = SCALE * embeddings[current] / embeddings[current].norm()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    processor.save_pretrained(out_dir)
    return out_dir
