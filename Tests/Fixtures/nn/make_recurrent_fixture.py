#!/usr/bin/env python3
"""Reference values for GenRL's LSTM and GRU from torch.nn.LSTM / torch.nn.GRU.

For each case, random weights (the module's state_dict), a batch-first input sequence,
an initial state and loss weights are drawn; the script saves the outputs, the final
state and the gradients of

    L = sum(output * w_output) + sum(h_n * w_hidden) [+ sum(c_n * w_cell)]

with respect to every parameter, the input and the initial state. Values are drawn in
float32 and evaluated in float64, so the references carry no float32 rounding.

Cases (keys are prefixed with the case name, e.g. "lstm2.weight_ih_l0", "lstm2.grad.x"):
    lstm2   LSTM, 2 layers, input 5, hidden 7, batch 3, length 4
    gru2    GRU,  2 layers, input 5, hidden 7, batch 3, length 4
    lstm1   LSTM, 1 layer, input 16, hidden 16, batch 4, length 12 (SeqGAN's generator
            scaled down)

Usage: python3 make_recurrent_fixture.py   (writes recurrent.safetensors beside this script)
"""
import os

import torch
from safetensors.torch import save_file

torch.manual_seed(20240611)


def case(name, kind, layers, input_size, hidden, batch, length):
    cls = torch.nn.LSTM if kind == "lstm" else torch.nn.GRU
    module = cls(input_size, hidden, layers, batch_first=True)
    # Wider weights than the default init, so the gates leave their linear region.
    with torch.no_grad():
        for p in module.parameters():
            p.uniform_(-0.8, 0.8)
    x = torch.randn(batch, length, input_size)
    h0 = torch.randn(layers, batch, hidden) * 0.5
    c0 = torch.randn(layers, batch, hidden) * 0.5
    w_output = torch.randn(batch, length, hidden)
    w_hidden = torch.randn(layers, batch, hidden)
    w_cell = torch.randn(layers, batch, hidden)

    out = {f"{name}.{k}": v.detach().clone() for k, v in module.state_dict().items()}
    out.update({f"{name}.x": x, f"{name}.h0": h0, f"{name}.w_output": w_output, f"{name}.w_hidden": w_hidden})
    if kind == "lstm":
        out.update({f"{name}.c0": c0, f"{name}.w_cell": w_cell})

    module = module.double()
    xd = x.double().requires_grad_()
    h0d = h0.double().requires_grad_()
    c0d = c0.double().requires_grad_()
    if kind == "lstm":
        y, (hn, cn) = module(xd, (h0d, c0d))
        loss = (y * w_output.double()).sum() + (hn * w_hidden.double()).sum() + (cn * w_cell.double()).sum()
    else:
        y, hn = module(xd, h0d)
        loss = (y * w_output.double()).sum() + (hn * w_hidden.double()).sum()
    loss.backward()

    out[f"{name}.output"] = y.detach().float()
    out[f"{name}.h_n"] = hn.detach().float()
    out[f"{name}.grad.x"] = xd.grad.float()
    out[f"{name}.grad.h0"] = h0d.grad.float()
    if kind == "lstm":
        out[f"{name}.c_n"] = cn.detach().float()
        out[f"{name}.grad.c0"] = c0d.grad.float()
    for k, p in module.named_parameters():
        out[f"{name}.grad.{k}"] = p.grad.float()
    return out


tensors = {}
tensors.update(case("lstm2", "lstm", layers=2, input_size=5, hidden=7, batch=3, length=4))
tensors.update(case("gru2", "gru", layers=2, input_size=5, hidden=7, batch=3, length=4))
tensors.update(case("lstm1", "lstm", layers=1, input_size=16, hidden=16, batch=4, length=12))
tensors = {k: v.contiguous() for k, v in tensors.items()}
save_file(tensors, os.path.join(os.path.dirname(os.path.abspath(__file__)), "recurrent.safetensors"),
          metadata={"generator": "make_recurrent_fixture.py", "torch": torch.__version__})
