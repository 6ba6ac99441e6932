#!/usr/bin/python3
"""Build a BERT encoder in plain PyTorch, export it to ONNX and write PyTorch reference outputs.

The module tree mirrors Hugging Face's BertModel (same submodule names, same forward-pass
arithmetic), so the exported graph has the shape a real `transformers` export has, without
needing the `transformers` package. Weights are deterministic pseudo-random numbers.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-onnx 1.12).

    export_bert.py --out models/bert-tiny --refs b1_s128 b1_s1 b1_s512 b4_s37_pad
"""

import argparse
import math
import os
import re
import sys
import zlib

import numpy as np
import torch
from torch import nn

OPSET_MIN, OPSET_MAX = 14, 17
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]
OUTPUT_NAMES = ["last_hidden_state", "pooler_output"]
TYPE_VOCAB = 2
LN_EPS = 1e-12


class Config:
    def __init__(self, layers=2, hidden=128, heads=2, intermediate=512, vocab=30522,
                 max_positions=512, gelu="erf", mask_value="finfo", init_std=0.05, mask_style="unsqueeze"):
        if hidden % heads:
            raise ValueError(f"hidden size {hidden} is not a multiple of the head count {heads}")
        if gelu not in ("erf", "tanh"):
            raise ValueError(f"--gelu must be erf or tanh, not {gelu}")
        if mask_value not in ("finfo", "-10000"):
            raise ValueError(f"mask value must be finfo or -10000, not {mask_value}")
        if mask_style not in ("unsqueeze", "expand"):
            raise ValueError(f"mask style must be unsqueeze or expand, not {mask_style}")
        self.layers, self.hidden, self.heads = layers, hidden, heads
        self.intermediate, self.vocab, self.max_positions = intermediate, vocab, max_positions
        self.gelu, self.mask_value, self.init_std = gelu, mask_value, init_std
        self.mask_style = mask_style


class BertEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab, cfg.hidden, padding_idx=0)
        self.position_embeddings = nn.Embedding(cfg.max_positions, cfg.hidden)
        self.token_type_embeddings = nn.Embedding(TYPE_VOCAB, cfg.hidden)
        self.LayerNorm = nn.LayerNorm(cfg.hidden, eps=LN_EPS)
        # HF keeps position ids as a buffer and slices it to the sequence length, which is what
        # puts a Slice with a Shape-derived end into the exported graph.
        self.register_buffer("position_ids", torch.arange(cfg.max_positions).expand((1, -1)),
                             persistent=False)

    def forward(self, input_ids, token_type_ids):
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.LayerNorm(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.num_attention_heads = cfg.heads
        self.attention_head_size = cfg.hidden // cfg.heads
        self.all_head_size = cfg.hidden
        self.query = nn.Linear(cfg.hidden, cfg.hidden)
        self.key = nn.Linear(cfg.hidden, cfg.hidden)
        self.value = nn.Linear(cfg.hidden, cfg.hidden)

    def transpose_for_scores(self, x):
        new_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask):
        q = self.transpose_for_scores(self.query(hidden_states))
        k = self.transpose_for_scores(self.key(hidden_states))
        v = self.transpose_for_scores(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2))
        scores = scores / math.sqrt(self.attention_head_size)
        scores = scores + attention_mask
        probs = nn.functional.softmax(scores, dim=-1)
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (self.all_head_size,))


class BertSelfOutput(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden, cfg.hidden)
        self.LayerNorm = nn.LayerNorm(cfg.hidden, eps=LN_EPS)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertSelfOutput(cfg)

    def forward(self, hidden_states, attention_mask):
        return self.output(self.self(hidden_states, attention_mask), hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden, cfg.intermediate)
        self.approximate = "tanh" if cfg.gelu == "tanh" else "none"

    def forward(self, hidden_states):
        return nn.functional.gelu(self.dense(hidden_states), approximate=self.approximate)


class BertOutput(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.intermediate, cfg.hidden)
        self.LayerNorm = nn.LayerNorm(cfg.hidden, eps=LN_EPS)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dense(hidden_states) + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertOutput(cfg)

    def forward(self, hidden_states, attention_mask):
        attn = self.attention(hidden_states, attention_mask)
        return self.output(self.intermediate(attn), attn)


class BertEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(cfg) for _ in range(cfg.layers)])

    def forward(self, hidden_states, attention_mask):
        for layer in self.layer:
            hidden_states = layer(hidden_states, attention_mask)
        return hidden_states


class BertPooler(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden, cfg.hidden)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


class BertModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)
        self.pooler = BertPooler(cfg)

    def extended_mask(self, attention_mask):
        dtype = self.embeddings.word_embeddings.weight.dtype
        fill = -10000.0 if self.cfg.mask_value == "-10000" else torch.finfo(dtype).min
        if self.cfg.mask_style == "expand":
            # Newer HF (AttentionMaskConverter._expand_mask): a full [B, 1, S, S] mask built with
            # expand and masked_fill, which exports as Expand, Cast, Where and friends.
            bsz, src_len = attention_mask.size()
            expanded = attention_mask[:, None, None, :].expand(bsz, 1, src_len, src_len).to(dtype)
            inverted = 1.0 - expanded
            return inverted.masked_fill(inverted.to(torch.bool), fill)
        # Classic HF get_extended_attention_mask: broadcastable [B, 1, 1, S].
        mask = attention_mask[:, None, None, :].to(dtype=dtype)
        return (1.0 - mask) * fill

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.embeddings(input_ids, token_type_ids)
        hidden = self.encoder(hidden, self.extended_mask(attention_mask))
        return hidden, self.pooler(hidden)


def init_weights(model, seed, std):
    """Fill every parameter from numpy's legacy RandomState, which gives the same stream on every
    numpy version, in sorted-name order so the weights depend only on (seed, config).

    Biases and LayerNorm betas are small but non-zero and gammas are near but not equal to one, so
    a runtime that swaps scale and bias, or ignores a bias, produces visibly wrong outputs."""
    rng = np.random.RandomState(seed)
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name in sorted(params):
            p = params[name]
            shape = tuple(p.shape)
            if "LayerNorm" in name and name.endswith(".weight"):
                val = 1.0 + 0.1 * rng.standard_normal(shape)
            elif "LayerNorm" in name:
                val = 0.1 * rng.standard_normal(shape)
            else:
                val = std * rng.standard_normal(shape)
            p.copy_(torch.from_numpy(val.astype(np.float32)))
    return model


def build_model(cfg, seed):
    torch.manual_seed(seed)  # module constructors draw from torch's RNG; overwritten below
    model = BertModel(cfg)
    init_weights(model, seed, cfg.init_std)
    return model.eval()


CASE_RE = re.compile(r"^b(\d+)_s(\d+)(_pad)?$")


def parse_case(name):
    m = CASE_RE.match(name)
    if not m:
        raise ValueError(f"reference case '{name}' is not of the form b<B>_s<S> or b<B>_s<S>_pad")
    b, s = int(m.group(1)), int(m.group(2))
    if b < 1 or s < 1:
        raise ValueError(f"reference case '{name}': batch and sequence length must be >= 1")
    if m.group(3) and s < 2:
        raise ValueError(f"reference case '{name}': padding needs a sequence length >= 2")
    return b, s, bool(m.group(3))


def make_inputs(case, vocab, seed):
    """Deterministic inputs for a case. Token ids are drawn from [1, vocab) for real tokens (0 is
    the pad id); the last vocabulary row is used once so a runtime with an off-by-one bound on
    Gather is caught. token_type_ids are 0 up to a per-row split point and 1 after it, like a
    sentence pair. With _pad, row 0 is full length (unless it is the only row) and every other row
    has its own shorter real length, padded on the right with id 0, mask 0, type 0."""
    b, s, pad = parse_case(case)
    rng = np.random.RandomState((seed * 1000003 + zlib.crc32(case.encode())) % (2 ** 32))
    if pad:
        pool = list(range(1, s))
        rng.shuffle(pool)
        # Distinct lengths while they last; a batch wider than s-1 repeats them. A batch of one
        # has its only row padded, otherwise padding would not show.
        lengths = [s] if b > 1 else []
        lengths += [pool[i % len(pool)] for i in range(b - len(lengths))]
    else:
        lengths = [s] * b
    input_ids = np.zeros((b, s), dtype=np.int64)
    mask = np.zeros((b, s), dtype=np.int64)
    types = np.zeros((b, s), dtype=np.int64)
    for i, n in enumerate(lengths):
        input_ids[i, :n] = rng.randint(1, vocab, size=n)
        mask[i, :n] = 1
        split = rng.randint(1, n + 1)
        types[i, split:n] = 1
    if lengths[0] >= 2:
        input_ids[0, 1] = vocab - 1
    return {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": types}


def run_torch(model, inputs, dtype=torch.float32):
    m = model.to(dtype)
    with torch.no_grad():
        args = [torch.from_numpy(inputs[n]) for n in INPUT_NAMES]
        hidden, pooled = m(*args)
    model.to(torch.float32)
    return {"last_hidden_state": hidden.numpy(), "pooler_output": pooled.numpy()}


def save_npy(path, array):
    """NumPy format, little-endian, C order, whatever the host."""
    arr = np.ascontiguousarray(array)
    arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
    np.save(path, arr, allow_pickle=False)


def write_refs(model, cfg, out_dir, cases, seed, static=None, check64=True, log=print):
    """Write refs/<case>/*.npy. Returns the worst float32-vs-float64 gap seen (or None)."""
    worst = None
    for case in cases:
        b, s, _ = parse_case(case)
        if s > cfg.max_positions:
            raise ValueError(f"case {case}: sequence length {s} exceeds --max-positions "
                             f"{cfg.max_positions}")
        if static and (b, s) != static:
            raise ValueError(f"case {case} does not match the static shape "
                             f"{static[0]},{static[1]}")
        inputs = make_inputs(case, cfg.vocab, seed)
        outputs = run_torch(model, inputs)
        case_dir = os.path.join(out_dir, "refs", case)
        os.makedirs(case_dir, exist_ok=True)
        for name, arr in list(inputs.items()) + list(outputs.items()):
            save_npy(os.path.join(case_dir, name + ".npy"), arr)
        if check64:
            # The references are only worth a 1e-5 tolerance if float32 rounding inside torch is
            # far below it; float64 gives the exact answer to compare against.
            exact = run_torch(model, inputs, torch.float64)
            gap = max(float(np.max(np.abs(outputs[n].astype(np.float64) - exact[n])))
                      for n in OUTPUT_NAMES)
            worst = gap if worst is None else max(worst, gap)
            log(f"  refs/{case}: float32 vs float64 max abs diff {gap:.3g}")
        else:
            log(f"  refs/{case}")
    return worst


def export_onnx(model, cfg, path, opset, static=None):
    if not OPSET_MIN <= opset <= OPSET_MAX:
        raise ValueError(f"--opset {opset} outside the supported range {OPSET_MIN}..{OPSET_MAX}")
    b, s = static if static else (2, 16)
    dummy = make_inputs(f"b{b}_s{s}", cfg.vocab, 0)
    args = tuple(torch.from_numpy(dummy[n]) for n in INPUT_NAMES)
    dynamic_axes = None
    if not static:
        dynamic_axes = {n: {0: "batch_size", 1: "sequence_length"} for n in INPUT_NAMES}
        dynamic_axes["last_hidden_state"] = {0: "batch_size", 1: "sequence_length"}
        dynamic_axes["pooler_output"] = {0: "batch_size"}
    with torch.no_grad():
        torch.onnx.export(model, args, path, input_names=INPUT_NAMES, output_names=OUTPUT_NAMES,
                          dynamic_axes=dynamic_axes, opset_version=opset,
                          do_constant_folding=True, export_params=True)


def parse_static(text):
    if text is None:
        return None
    m = re.match(r"^(\d+),(\d+)$", text)
    if not m or int(m.group(1)) < 1 or int(m.group(2)) < 1:
        raise ValueError(f"--static wants B,S with both >= 1, got '{text}'")
    return int(m.group(1)), int(m.group(2))


def build_and_export(cfg, out_dir, opset=14, static=None, seed=0, refs=(), check64=True,
                     log=print):
    """Export DIR/model.onnx and the requested refs. Returns the float32/float64 gap."""
    os.makedirs(out_dir, exist_ok=True)
    model = build_model(cfg, seed)
    export_onnx(model, cfg, os.path.join(out_dir, "model.onnx"), opset, static)
    return write_refs(model, cfg, out_dir, refs, seed, static, check64, log)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--intermediate", type=int, default=512)
    ap.add_argument("--vocab", type=int, default=30522)
    ap.add_argument("--max-positions", type=int, default=512)
    ap.add_argument("--gelu", choices=["erf", "tanh"], default="erf")
    ap.add_argument("--mask-value", choices=["finfo", "-10000"], default="finfo",
                    help="additive mask for padded keys: torch.finfo(float32).min as current HF "
                         "does, or -10000.0 as older HF versions did")
    ap.add_argument("--mask-style", choices=["unsqueeze", "expand"], default="unsqueeze",
                    help="unsqueeze: [B,1,1,S] mask as classic HF BertModel; expand: [B,1,S,S] "
                         "mask via expand + masked_fill as newer HF versions build it")
    ap.add_argument("--init-std", type=float, default=0.05,
                    help="standard deviation of weights and biases (default 0.05; HF initialises "
                         "with 0.02, which leaves attention almost uniform and makes erf and tanh "
                         "GELU differ by only ~2e-5 at the outputs, too close to test tolerances)")
    ap.add_argument("--opset", type=int, default=14)
    ap.add_argument("--static", metavar="B,S", help="export with fixed shapes instead of dynamic axes")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", metavar="DIR", required=True)
    ap.add_argument("--refs", nargs="*", default=[], metavar="CASE",
                    help="reference cases such as b1_s128 or b4_s37_pad (right padding)")
    ap.add_argument("--no-check64", action="store_true",
                    help="skip the float64 cross-check of the references")
    args = ap.parse_args(argv)
    try:
        cfg = Config(args.layers, args.hidden, args.heads, args.intermediate, args.vocab,
                     args.max_positions, args.gelu, args.mask_value, args.init_std,
                     args.mask_style)
        static = parse_static(args.static)
        if not OPSET_MIN <= args.opset <= OPSET_MAX:
            raise ValueError(f"--opset {args.opset} outside the supported range "
                             f"{OPSET_MIN}..{OPSET_MAX}")
        for case in args.refs:
            b, s, _ = parse_case(case)
            if s > cfg.max_positions:
                raise ValueError(f"case {case}: sequence length {s} exceeds --max-positions "
                                 f"{cfg.max_positions}")
            if static and (b, s) != static:
                raise ValueError(f"case {case} does not match the static shape "
                                 f"{static[0]},{static[1]}")
    except ValueError as e:
        print(f"export_bert.py: {e}", file=sys.stderr)
        return 2
    torch.set_num_threads(1)  # bit-reproducible references regardless of the machine's cores
    gap = build_and_export(cfg, args.out, args.opset, static, args.seed, args.refs,
                           not args.no_check64)
    print(f"wrote {os.path.join(args.out, 'model.onnx')}")
    if gap is not None:
        print(f"worst float32 vs float64 gap over the references: {gap:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
