#!/usr/bin/env python3
"""Reference values for GenRL's pre-LayerNorm GPT block (GPTBlock), from PyTorch.

The block is the `Block` of shared/peers/torch_workloads.py (nanoGPT / GPT-2 layout):
    h = x + proj(attention(qkv(ln1(x))));  y = h + fc2(gelu(fc(ln2(h))))
at width 16, 4 heads, MLP 4x, on x of shape [2, 5, 16]. For a fixed weighting w of the
same shape, the loss L = sum(y * w) is differentiated with respect to every parameter
and to x. Two cases:
  * "plain":  causal attention only (torch's scaled_dot_product_attention, is_causal);
  * "masked": plus an additive key-padding mask [2, 5] (0 keep, -inf padding) with the
    second sequence left-padded by two positions. A query that sees only padded keys
    gets zero attention output (GenRL's convention), written out explicitly below.
Everything is computed in float64 and saved as float32, under GenRL's parameter names:
    ln1.*, attention.qkv.*, attention.projection.*, ln2.*, mlp.input.*, mlp.output.*
and, per case, <case>.output and <case>.grad.<name> (name = a parameter or "input").

Usage: python3 make_transformer_fixture.py   (writes transformer.safetensors beside it)
"""
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

WIDTH, HEADS, BATCH, LENGTH = 16, 4, 2, 5


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)
        self.heads = heads

    def attention(self, q, k, v, mask):
        if mask is None:
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        T = q.shape[2]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        additive = torch.zeros(T, T, dtype=q.dtype).masked_fill(~causal, float("-inf")) + mask[:, None, None, :]
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]) + additive
        dead = torch.isinf(scores).all(-1, keepdim=True)  # queries that see only padding
        weights = torch.softmax(torch.where(dead, torch.zeros_like(scores), scores), -1)
        weights = torch.where(dead, torch.zeros_like(weights), weights)
        out = weights @ v
        # Where a query sees a real key, this is what torch's own attention computes.
        live = ~dead[..., 0]
        reference = F.scaled_dot_product_attention(q, k, v, attn_mask=additive)
        assert torch.allclose(out[live], reference[live], atol=1e-12)
        return out

    def forward(self, x, mask=None):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, 2)
        q, k, v = (t.view(B, T, self.heads, D // self.heads).transpose(1, 2) for t in (q, k, v))
        y = self.attention(q, k, v, mask)
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, D))
        return x + self.fc2(F.gelu(self.fc(self.ln2(x))))


NAMES = {
    "ln1.weight": "ln1.weight", "ln1.bias": "ln1.bias",
    "qkv.weight": "attention.qkv.weight", "qkv.bias": "attention.qkv.bias",
    "proj.weight": "attention.projection.weight", "proj.bias": "attention.projection.bias",
    "ln2.weight": "ln2.weight", "ln2.bias": "ln2.bias",
    "fc.weight": "mlp.input.weight", "fc.bias": "mlp.input.bias",
    "fc2.weight": "mlp.output.weight", "fc2.bias": "mlp.output.bias",
}


def main():
    torch.manual_seed(0)
    block = Block(WIDTH, HEADS)
    with torch.no_grad():  # LayerNorm parameters away from 1 and 0 so their gradients matter
        for ln in (block.ln1, block.ln2):
            ln.weight.uniform_(0.5, 1.5)
            ln.bias.uniform_(-0.5, 0.5)
    block = block.double()
    x = torch.randn(BATCH, LENGTH, WIDTH, dtype=torch.float64)
    w = torch.randn(BATCH, LENGTH, WIDTH, dtype=torch.float64)
    mask = torch.zeros(BATCH, LENGTH, dtype=torch.float64)
    mask[1, :2] = float("-inf")

    out = {genrl: p.detach() for torch_name, p in block.named_parameters() for genrl in [NAMES[torch_name]]}
    out.update(input=x, weights=w, mask=mask)
    for case, m in (("plain", None), ("masked", mask)):
        xi = x.clone().requires_grad_(True)
        block.zero_grad()
        y = block(xi, m)
        (y * w).sum().backward()
        out[f"{case}.output"] = y.detach()
        out[f"{case}.grad.input"] = xi.grad
        for torch_name, p in block.named_parameters():
            out[f"{case}.grad.{NAMES[torch_name]}"] = p.grad.clone()
    out = {k: v.to(torch.float32).contiguous() for k, v in out.items()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transformer.safetensors")
    save_file(out, path, metadata={"format": "pt", "script": "make_transformer_fixture.py"})


if __name__ == "__main__":
    main()
