#!/usr/bin/env python3
"""Writes convolution.safetensors for Tests/GenRLNNTests/ConvolutionTests.swift.

A small SeqGAN discriminator built like the PyTorch reference of the benchmark workloads
(embedding -> Conv2d(1, n_k, (k, E)) per width -> ReLU -> max over time -> highway ->
dropout -> Linear(F, 2)), in evaluation mode: vocabulary 20, embedding 6, widths
[1, 2, 3, 5] with [3, 4, 2, 3] filters, 3 sequences of length 7. It stores every
parameter under its state_dict name, the token ids, the logits, and the gradient of
sum(logits * logit_weights) with respect to every parameter ("grad.<name>"). The
arithmetic runs in float64 from float32 parameters, so the stored values are the exact
results rounded once.

Run: /root/.cache/genrl-peer/bin/python make_convolution_fixture.py
"""
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file


class Highway(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.h = nn.Linear(size, size)
        self.t = nn.Linear(size, size)

    def forward(self, x):
        t = torch.sigmoid(self.t(x))
        return t * F.relu(self.h(x)) + (1 - t) * x


class CNNDiscriminator(nn.Module):
    def __init__(self, vocab, length, emb, filter_sizes, filter_counts):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.convs = nn.ModuleList(
            nn.Conv2d(1, n, (k, emb)) for k, n in zip(filter_sizes, filter_counts) if k <= length)
        total = sum(n for k, n in zip(filter_sizes, filter_counts) if k <= length)
        self.highway = Highway(total)
        self.dropout = nn.Dropout(0.25)
        self.out = nn.Linear(total, 2)

    def forward(self, tokens):
        x = self.embedding(tokens).unsqueeze(1)
        pooled = [F.relu(c(x)).squeeze(3).max(2).values for c in self.convs]
        return self.out(self.dropout(self.highway(torch.cat(pooled, 1))))


def main():
    torch.manual_seed(2017)
    model = CNNDiscriminator(vocab=20, length=7, emb=6, filter_sizes=[1, 2, 3, 5], filter_counts=[3, 4, 2, 3]).eval()
    tokens = torch.randint(0, 20, (3, 7))
    logit_weights = torch.randn(3, 2)
    parameters = {name: p.detach().clone() for name, p in model.state_dict().items()}

    model.double()
    logits = model(tokens)
    (logits * logit_weights.double()).sum().backward()

    tensors = {name: value.float().contiguous() for name, value in parameters.items()}
    tensors["tokens"] = tokens
    tensors["logit_weights"] = logit_weights
    tensors["logits"] = logits.detach().float()
    for name, p in model.named_parameters():
        tensors["grad." + name] = p.grad.float().contiguous()
    out = Path(__file__).with_name("convolution.safetensors")
    save_file(tensors, str(out), metadata={"source": "make_convolution_fixture.py", "torch": torch.__version__})
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
