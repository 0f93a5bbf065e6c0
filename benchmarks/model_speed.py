"""How fast Qwen3-VL turns a 1280x800 screenshot into tokens, and what each speed-up buys.

Builds the full-size Qwen3-VL-8B architecture from its config.json with random bf16 weights
directly on the GPU (speed does not depend on weight values), or, with ``--tiny PATH``, loads
a tiny model folder on the CPU to check the harness end to end. It measures the vision encoder,
time to first token (vision + prefill), decode tokens/s at several batch sizes (a fixed number
of new tokens, EOS ignored), and peak memory, for the naive ``generate()`` baseline and, in the
same run, each configuration that can run here: flash_attention_2, static cache (+ torch.compile
on a GPU) and prompt-lookup decoding. It prints one JSON object on stdout.

    python benchmarks/model_speed.py                       # full size, needs a CUDA GPU
    python benchmarks/model_speed.py --tiny /tmp/tiny --new-tokens 8 --out speed.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("model_speed")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = ROOT.parent / "shared" / "data" / "qwen3-vl-8b-instruct" / "config.json"
DEFAULT_IMAGE = ROOT.parent / "shared" / "data" / "design2code-dev" / "10582.png"
SCREEN = (1280, 800)

# Peak memory bandwidth in GB/s by device name (vendor data sheets); the first match wins.
GPU_BANDWIDTH_GBS = [
    ("H200", 4800),
    ("H100 NVL", 3900),
    ("H100 PCIe", 2000),
    ("H100", 3350),  # SXM, "NVIDIA H100 80GB HBM3"
    ("A100-SXM4-80GB", 2039),
    ("A100 80GB PCIe", 1935),
    ("A100", 1555),
    ("L40S", 864),
    ("L4", 300),
    ("A10G", 600),
    ("RTX 4090", 1008),
    ("RTX 3090", 936),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; defaults measure the full-size model on a GPU."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="full-size config.json")
    parser.add_argument("--tiny", type=Path, help="a tiny model folder: run on the CPU instead")
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE, help="screenshot, cropped to 1280x800")
    parser.add_argument("--new-tokens", type=int, default=128, help="tokens generated per sequence")
    parser.add_argument("--batches", default="1,4,8", help="batch sizes for decode speed")
    parser.add_argument("--text-tokens", type=int, default=64, help="prompt text tokens beside the image")
    parser.add_argument("--prompt-lookup-tokens", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per measurement (median)")
    parser.add_argument("--bandwidth-gbs", type=float, help="GPU memory bandwidth, if not in the table")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    return parser.parse_args(argv)


def load_screenshot(path: Path) -> Any:
    """The 1280x800 top of ``path``, or a synthetic page when the file is absent (speed ignores content)."""
    from PIL import Image, ImageDraw

    if path.is_file():
        with Image.open(path) as image:
            return image.convert("RGB").crop((0, 0, *SCREEN))
    log.warning("%s not found: using a synthetic 1280x800 page", path)
    image = Image.new("RGB", SCREEN, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 64), fill="#0f172a")
    for row in range(8):
        draw.rectangle((64, 120 + row * 80, 1216, 180 + row * 80), outline="#334155")
        draw.text((80, 140 + row * 80), f"Row {row}: lorem ipsum dolor sit amet", fill="black")
    return image


def build_model(args: argparse.Namespace) -> tuple[Any, str]:
    """The model under test and a line saying what it is."""
    import torch
    from transformers import AutoModelForImageTextToText, Qwen3VLConfig, Qwen3VLForConditionalGeneration

    if args.tiny:
        model = AutoModelForImageTextToText.from_pretrained(args.tiny, dtype=torch.float32, device_map=None)
        return model.eval(), f"tiny model {args.tiny} (float32, CPU)"
    if not torch.cuda.is_available():
        sys.exit("the full-size model needs a CUDA GPU; use --tiny PATH to run on the CPU")
    config = Qwen3VLConfig.from_json_file(args.config)
    started = time.perf_counter()
    with torch.device("cuda"):  # allocate and initialise on the GPU: CPU init of 8.8B weights takes minutes
        model = Qwen3VLForConditionalGeneration._from_config(config, dtype=torch.bfloat16)
    torch.cuda.synchronize()
    log.info("built the full-size model on the GPU in %.1f s", time.perf_counter() - started)
    text = config.text_config
    model.generation_config.eos_token_id = text.eos_token_id
    model.generation_config.pad_token_id = text.bos_token_id
    return model.eval(), f"Qwen3-VL full size from {args.config} (random bfloat16 weights, CUDA)"


def build_inputs(model: Any, image: Any, batch: int, text_tokens: int) -> dict[str, Any]:
    """A chat-shaped prompt: text, the screenshot's image tokens, more text; ``batch`` copies.

    The image goes through Qwen3-VL's own patching (16 px patches merged 2x2); the text is random
    token ids, so no tokenizer (and no hub) is needed.
    """
    import torch
    from transformers import Qwen2VLImageProcessor

    config = model.config
    processor = Qwen2VLImageProcessor(
        patch_size=16,
        temporal_patch_size=2,
        merge_size=2,
        image_mean=[0.5] * 3,
        image_std=[0.5] * 3,
        size={"shortest_edge": 65536, "longest_edge": 16777216},
    )
    pixels = processor(images=[image], return_tensors="pt")
    grid = pixels["image_grid_thw"]
    image_tokens = int(grid.prod()) // 4
    special = {
        config.image_token_id,
        config.video_token_id,
        config.vision_start_token_id,
        config.vision_end_token_id,
        config.text_config.eos_token_id,
        config.text_config.bos_token_id,
        config.text_config.pad_token_id,
    }
    allowed = torch.tensor([i for i in range(config.text_config.vocab_size) if i not in special])
    generator = torch.Generator().manual_seed(0)
    text = allowed[torch.randint(len(allowed), (text_tokens,), generator=generator)]
    head = text_tokens // 4
    ids = torch.cat(
        [
            text[:head],
            torch.tensor([config.vision_start_token_id]),
            torch.full((image_tokens,), config.image_token_id),
            torch.tensor([config.vision_end_token_id]),
            text[head:],
        ]
    ).repeat(batch, 1)
    return {
        "input_ids": ids.to(model.device),
        "attention_mask": torch.ones_like(ids).to(model.device),
        "pixel_values": pixels["pixel_values"].repeat(batch, 1).to(model.device, model.dtype),
        "image_grid_thw": grid.repeat(batch, 1).to(model.device),
    }


class Clock:
    """A generate() streamer that only notes when tokens arrive (put() syncs: tokens come as CPU tensors)."""

    def __init__(self) -> None:
        self.puts: list[tuple[float, int]] = []  # (time, tokens per sequence in this put)

    def put(self, value: Any) -> None:
        self.puts.append((time.perf_counter(), value.shape[-1] if value.dim() == 2 else 1))

    def end(self) -> None:
        """Nothing to flush."""


def timed_generate(model: Any, inputs: dict[str, Any], new_tokens: int, **kwargs: Any) -> dict[str, float]:
    """One generate() of exactly ``new_tokens`` per sequence: time to first token and decode speed."""
    clock = Clock()
    batch = inputs["input_ids"].shape[0]
    started = time.perf_counter()
    model.generate(
        **inputs,
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        do_sample=False,
        streamer=clock,
        **kwargs,
    )
    total = time.perf_counter() - started
    generated = clock.puts[1:]  # the first put is the prompt
    first_at, first_count = generated[0]
    decode_seconds = generated[-1][0] - first_at
    decoded = new_tokens - first_count
    return {
        "ttft_s": first_at - started,
        "total_s": total,
        "decode_tokens_per_s": batch * decoded / decode_seconds if decoded else 0.0,
        "seq_tokens_per_s": decoded / decode_seconds if decoded else 0.0,
    }


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each measure's median over repeated runs (robust to one slow run)."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def vision_seconds(model: Any, inputs: dict[str, Any], repeats: int) -> float:
    """Median time of the vision encoder alone on one screenshot."""
    import torch

    def once() -> float:
        sync(model)
        started = time.perf_counter()
        with torch.inference_mode():
            model.model.get_image_features(inputs["pixel_values"], inputs["image_grid_thw"])
        sync(model)
        return time.perf_counter() - started

    once()  # warm-up
    return statistics.median(once() for _ in range(repeats))


def sync(model: Any) -> None:
    """Wait for the GPU, so wall-clock times cover the work and not just its launch."""
    import torch

    if model.device.type == "cuda":
        torch.cuda.synchronize()


def configurations(model: Any, args: argparse.Namespace) -> list[tuple[str, dict[str, Any], str | None]]:
    """(name, generate kwargs or attention switch, why skipped) for each configuration, baseline first."""
    on_gpu = model.device.type == "cuda"
    flash = on_gpu and importlib.util.find_spec("flash_attn") is not None
    return [
        ("baseline", {}, None),
        ("flash_attention_2", {"attn": "flash_attention_2"}, None if flash else "needs CUDA and flash_attn"),
        ("static_cache_compile", {"cache_implementation": "static"}, None),
        ("prompt_lookup", {"prompt_lookup_num_tokens": args.prompt_lookup_tokens}, None),
    ]


def measure(model: Any, image: Any, name: str, kwargs: dict[str, Any], args: argparse.Namespace) -> dict:
    """Warm up, then time every batch size for one configuration."""
    import torch

    on_gpu = model.device.type == "cuda"
    attn = kwargs.pop("attn", "sdpa")
    model.set_attn_implementation(attn)
    # assisted decoding (prompt lookup) supports one sequence at a time
    batches = [1] if "prompt_lookup_num_tokens" in kwargs else [int(b) for b in args.batches.split(",")]
    result: dict[str, Any] = {"attn_implementation": model.config._attn_implementation, "decode": {}}
    if on_gpu:
        torch.cuda.reset_peak_memory_stats()
    try:
        for batch in batches:
            inputs = build_inputs(model, image, batch, args.text_tokens)
            started = time.perf_counter()
            timed_generate(model, inputs, args.new_tokens, **kwargs)  # warm-up; compiles where it applies
            warmup = time.perf_counter() - started
            runs = [timed_generate(model, inputs, args.new_tokens, **kwargs) for _ in range(args.repeats)]
            result["decode"][str(batch)] = {**median_run(runs), "warmup_s": warmup}
            log.info("%s batch %d: %s", name, batch, result["decode"][str(batch)])
    finally:
        model.set_attn_implementation("sdpa")
    result["ttft_s"] = result["decode"]["1"]["ttft_s"]
    if "cache_implementation" in kwargs:
        result["compiled"] = hasattr(model, "_compiled_call")  # generate() compiles only on accelerators
    if "prompt_lookup_num_tokens" in kwargs:
        result["note"] = (
            "random weights: drafts are rarely accepted, so this shows the overhead, not the gain"
        )
    if on_gpu:
        result["peak_memory_bytes"] = torch.cuda.max_memory_allocated()
    return result


def model_sizes(model: Any) -> dict[str, int]:
    """Parameter counts and the bytes one decode step must read (language layers + lm_head)."""
    inner = model.model
    language = sum(p.numel() for p in inner.language_model.parameters())
    embed = inner.language_model.embed_tokens.weight.numel()  # looked up row by row, not read whole
    decode_params = language - embed + model.lm_head.weight.numel()
    return {
        "params_total": sum(p.numel() for p in model.parameters()),
        "params_vision": sum(p.numel() for p in inner.visual.parameters()),
        "params_language": language,
        "weights_bytes": sum(p.numel() * p.element_size() for p in model.parameters()),
        "decode_weights_bytes": decode_params * model.dtype.itemsize,
    }


def bandwidth_bound(device_name: str, decode_bytes: int, override_gbs: float | None) -> dict[str, Any] | None:
    """Batch-1 decode can go no faster than reading the weights once per token."""
    gbs = override_gbs or next((bw for key, bw in GPU_BANDWIDTH_GBS if key in device_name), None)
    if gbs is None:
        return None
    return {
        "bandwidth_gb_per_s": gbs,
        "decode_bound_tokens_per_s": gbs * 1e9 / decode_bytes,
        "weights_read_s_per_token": decode_bytes / (gbs * 1e9),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the model, measure every configuration, and return the report."""
    import torch
    import transformers

    started = time.perf_counter()
    torch.manual_seed(0)
    model, description = build_model(args)
    image = load_screenshot(args.image)
    device_name = torch.cuda.get_device_name() if model.device.type == "cuda" else "cpu"
    sizes = model_sizes(model)
    one = build_inputs(model, image, 1, args.text_tokens)
    report: dict[str, Any] = {
        "device": device_name,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "model": description,
        "dtype": str(model.dtype).removeprefix("torch."),
        **sizes,
        "image": {
            "size": list(SCREEN),
            "image_tokens": int(one["image_grid_thw"].prod()) // 4,
            "prompt_tokens": one["input_ids"].shape[1],
        },
        "new_tokens": args.new_tokens,
        "vision_encoder_s": vision_seconds(model, one, args.repeats),
        "bandwidth": bandwidth_bound(device_name, sizes["decode_weights_bytes"], args.bandwidth_gbs),
        "configs": {},
    }
    with torch.inference_mode():
        for name, kwargs, skipped in configurations(model, args):
            if skipped:
                report["configs"][name] = {"skipped": skipped}
                continue
            try:
                report["configs"][name] = measure(model, image, name, dict(kwargs), args)
            except Exception as exc:  # one configuration failing must not lose the others
                if name == "baseline":
                    raise
                log.exception("%s failed", name)
                report["configs"][name] = {"error": f"{type(exc).__name__}: {exc}"}
    base = report["configs"]["baseline"]["decode"]["1"]["seq_tokens_per_s"]
    for result in report["configs"].values():
        if "decode" in result:
            result["speedup_vs_baseline_batch1"] = result["decode"]["1"]["seq_tokens_per_s"] / base
    if report["bandwidth"]:
        report["bandwidth"]["baseline_fraction_of_bound"] = (
            base / report["bandwidth"]["decode_bound_tokens_per_s"]
        )
    if model.device.type == "cuda":
        report["peak_memory_bytes"] = max(c.get("peak_memory_bytes", 0) for c in report["configs"].values())
        report["peak_memory_kind"] = "cuda max_memory_allocated"
    else:
        report["peak_memory_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        report["peak_memory_kind"] = "process max RSS"
    report["total_s"] = time.perf_counter() - started
    return report


def main(argv: list[str] | None = None) -> None:
    """Run and print the JSON report (logs go to stderr, so stdout stays one JSON object)."""
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    args = parse_args(argv)
    report = run(args)
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
