#!/usr/bin/env python3
"""PyTorch reference for GenRLTensor: a small network with a linear layer, layer norm,
GELU, a second linear layer, log-softmax and a masked cross-entropy. Writes the inputs,
the parameters (float32 values), and the loss and the gradients of the loss with respect
to every parameter and the input, computed in float64 from those values, to
network_fixture.json.

Usage: python3 make_network_fixture.py   (needs torch; see shared/peers/setup.sh)
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(2024)
B, T, D, H, C = 4, 6, 8, 16, 10
x = torch.randn(B, T, D, requires_grad=True)
w1 = (torch.randn(H, D) * 0.4).requires_grad_()
b1 = (torch.randn(H) * 0.1).requires_grad_()
gamma = (1 + 0.1 * torch.randn(H)).requires_grad_()
beta = (0.1 * torch.randn(H)).requires_grad_()
w2 = (torch.randn(C, H) * 0.4).requires_grad_()
b2 = (torch.randn(C) * 0.1).requires_grad_()
targets = torch.randint(0, C, (B, T))
mask = (torch.rand(B, T) < 0.7).float()

# The float32 draws above are the data; the reference arithmetic runs in float64.
x, w1, b1, gamma, beta, w2, b2 = (t.detach().double().requires_grad_() for t in (x, w1, b1, gamma, beta, w2, b2))
mask = mask.double()
h = F.linear(x, w1, b1)
h = F.layer_norm(h, (H,), gamma, beta, eps=1e-5)
h = F.gelu(h)
logits = F.linear(h, w2, b2)
log_probs = F.log_softmax(logits, dim=-1)
picked = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
loss = -(picked * mask).sum() / mask.sum()
loss.backward()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


fixture = {
    "shapes": {"x": [B, T, D], "w1": [H, D], "b1": [H], "gamma": [H], "beta": [H], "w2": [C, H], "b2": [C]},
    "x": flat(x), "w1": flat(w1), "b1": flat(b1), "gamma": flat(gamma), "beta": flat(beta),
    "w2": flat(w2), "b2": flat(b2),
    "targets": [int(v) for v in targets.reshape(-1)], "mask": flat(mask),
    "loss": float(loss.detach()),
    "log_probs": flat(log_probs),
    "gradients": {name: flat(t.grad) for name, t in
                  [("x", x), ("w1", w1), ("b1", b1), ("gamma", gamma), ("beta", beta), ("w2", w2), ("b2", b2)]},
    "torch_version": torch.__version__,
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "network_fixture.json"), "w") as f:
    json.dump(fixture, f)
print("loss", float(loss.detach()))
