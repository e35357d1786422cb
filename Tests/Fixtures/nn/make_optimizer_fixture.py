#!/usr/bin/env python3
"""Reference trajectories of torch.optim.SGD / Adam / AdamW, learning-rate schedules,
clip_grad_norm_ and loss values, for GenRL's OptimizerTests and LossTests.

Usage: python3 make_optimizer_fixture.py   (writes optimizer.safetensors beside this script)

Contents (all float32):
  init.<param>                 initial parameters of a tiny MLP: first = Linear(5, 7),
                               tanh, second = Linear(7, 3, bias=False); inputs [6, 5],
                               targets [6] (class ids stored as floats); loss = mean
                               cross-entropy.
  <run>.grads.<param>          [20, *shape] the gradient PyTorch computed at its current
                               parameters at steps 0..19 (zeros where it was None);
  <run>.has_grad.<param>       [20] 1 where the parameter had a gradient, 0 where None;
  <run>.params.<param>         [20, *shape] the parameters after the update of each step;
  <run>.lr                     [20] the learning rate used at each step.
  (Parameter sizes 35, 7 and 21 are not multiples of GenRL's 8-lane vectors, so the
  partial last block of each update kernel is exercised.)
  Runs: sgd (momentum, weight decay), sgd_nesterov, sgd_dampening, adam (L2 weight decay),
  adamw (decoupled decay, learning rate from a cosine-with-warm-up LambdaLR). In every
  run `first.bias` gets no gradient at steps 4 and 11.
  schedule.<name>              [50] learning rates of steps 0..49 from PyTorch schedulers.
  clip.*                       gradients before/after clip_grad_norm_ and the total norm.
  loss.*                       inputs and per-element values of BCE-with-logits,
                               Bradley-Terry (-logsigmoid) and MSE.
"""
import math
import os

import torch
from safetensors.torch import save_file

torch.manual_seed(20240521)
out = {}

# ---------------------------------------------------------------- optimizer trajectories
STEPS = 20
SKIPPED = {4, 11}  # steps at which first.bias has no gradient
inputs = torch.randn(6, 5)
targets = torch.tensor([0, 2, 1, 1, 0, 2])
init = {
    "first.weight": torch.randn(7, 5) * 0.5,
    "first.bias": torch.randn(7) * 0.1,
    "second.weight": torch.randn(3, 7) * 0.5,
}
out["inputs"] = inputs
out["targets"] = targets.float()
for name, value in init.items():
    out[f"init.{name}"] = value


def cosine_with_warmup(warmup, total, cycles=0.5):
    """transformers' get_cosine_schedule_with_warmup factor, written out."""
    def factor(step):
        if step < warmup:
            return step / max(1, warmup)
        progress = (step - warmup) / max(1, total - warmup)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * progress)))
    return factor


runs = {
    "sgd": (torch.optim.SGD, dict(lr=0.1, momentum=0.9, weight_decay=0.01), None),
    "sgd_nesterov": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True), None),
    "sgd_dampening": (torch.optim.SGD, dict(lr=0.1, momentum=0.8, dampening=0.3), None),
    "adam": (torch.optim.Adam, dict(lr=0.01, weight_decay=0.1), None),
    "adamw": (torch.optim.AdamW, dict(lr=0.02, weight_decay=0.1), cosine_with_warmup(3, STEPS)),
}
for run, (kind, options, schedule) in runs.items():
    params = {name: value.clone().requires_grad_(True) for name, value in init.items()}
    optimizer = kind(list(params.values()), **options)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule) if schedule else None
    rates = []
    history = {name: {"grads": [], "has_grad": [], "params": []} for name in params}
    for step in range(STEPS):
        optimizer.zero_grad(set_to_none=True)
        hidden = torch.tanh(inputs @ params["first.weight"].T + params["first.bias"])
        logits = hidden @ params["second.weight"].T
        torch.nn.functional.cross_entropy(logits, targets).backward()
        if step in SKIPPED:
            params["first.bias"].grad = None
        for name, p in params.items():
            history[name]["has_grad"].append(float(p.grad is not None))
            history[name]["grads"].append(p.grad.clone() if p.grad is not None else torch.zeros_like(p))
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if scheduler:
            scheduler.step()
        for name, p in params.items():
            history[name]["params"].append(p.detach().clone())
    out[f"{run}.lr"] = torch.tensor(rates)
    for name, record in history.items():
        out[f"{run}.grads.{name}"] = torch.stack(record["grads"])
        out[f"{run}.has_grad.{name}"] = torch.tensor(record["has_grad"])
        out[f"{run}.params.{name}"] = torch.stack(record["params"])

# ---------------------------------------------------------------- schedules
SCHEDULE_STEPS = 50


def rates_of(make):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    scheduler = make(optimizer)
    rates = []
    for _ in range(SCHEDULE_STEPS):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return torch.tensor(rates, dtype=torch.float64)


lr_sched = torch.optim.lr_scheduler
# Linear warm-up over 10 steps to 0.5, linear decay to 0.05 at step 49, from PyTorch's
# built-in schedulers (a warm-up LinearLR needs a start factor > 0: 1e-9 ≈ 0).
linear = rates_of(lambda o: lr_sched.SequentialLR(o, [
    lr_sched.LinearLR(o, start_factor=1e-9, end_factor=1.0, total_iters=10),
    lr_sched.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=39)], milestones=[10]))
# Cosine: warm-up over 8 steps to 0.5, half-cosine down to 0 at step 49.
cosine = rates_of(lambda o: lr_sched.SequentialLR(o, [
    lr_sched.LinearLR(o, start_factor=1e-9, end_factor=1.0, total_iters=8),
    lr_sched.CosineAnnealingLR(o, T_max=41, eta_min=0.0)], milestones=[8]))
# Cosine with a floor of 0.02 and no warm-up.
cosine_floor = rates_of(lambda o: lr_sched.CosineAnnealingLR(o, T_max=49, eta_min=0.02))
# The same cosine schedules through LambdaLR with transformers' factor: must agree.
cosine_lambda = rates_of(lambda o: lr_sched.LambdaLR(o, cosine_with_warmup(8, 49)))
assert torch.allclose(cosine, cosine_lambda, atol=1e-9, rtol=0), (cosine - cosine_lambda).abs().max()
step_decay = rates_of(lambda o: lr_sched.StepLR(o, step_size=7, gamma=0.5))
for name, values in [("linear", linear), ("cosine", cosine), ("cosine_floor", cosine_floor), ("step", step_decay)]:
    out[f"schedule.{name}"] = values.float()

# ---------------------------------------------------------------- gradient clipping
for case, max_norm in [("clipped", 1.0), ("unclipped", 100.0)]:
    grads = {name: torch.randn_like(value) * 0.7 for name, value in init.items()}
    params = [torch.zeros_like(value, requires_grad=True) for value in init.values()]
    for p, g in zip(params, grads.values()):
        p.grad = g.clone()
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm=max_norm)
    out[f"clip.{case}.max_norm"] = torch.tensor([max_norm])
    out[f"clip.{case}.norm"] = norm.reshape(1)
    for (name, g), p in zip(grads.items(), params):
        out[f"clip.{case}.before.{name}"] = g
        out[f"clip.{case}.after.{name}"] = p.grad

# ---------------------------------------------------------------- losses
logits = torch.tensor([-100.0, -30.0, -2.5, -0.3, 0.0, 0.7, 3.0, 30.0, 100.0, 100.0, -100.0, 12.0])
labels = torch.tensor([1.0, 0.0, 1.0, 0.3, 0.5, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.9])
out["loss.bce.logits"] = logits
out["loss.bce.targets"] = labels
out["loss.bce.values"] = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none")
chosen = torch.tensor([1.5, -0.2, 40.0, -60.0, 0.0, 3.3])
rejected = torch.tensor([0.5, 0.8, -60.0, 45.0, 0.0, 3.1])
margin = torch.tensor([0.0, 0.5, 1.0, 2.0, -1.0, 0.3])
out["loss.bt.chosen"] = chosen
out["loss.bt.rejected"] = rejected
out["loss.bt.margin"] = margin
out["loss.bt.values"] = -torch.nn.functional.logsigmoid(chosen - rejected - margin)
predictions = torch.randn(3, 4)
wanted = torch.randn(3, 4)
out["loss.mse.predictions"] = predictions
out["loss.mse.targets"] = wanted
out["loss.mse.mean"] = torch.nn.functional.mse_loss(predictions, wanted).reshape(1)

save_file({k: v.contiguous().float() for k, v in out.items()},
          os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizer.safetensors"),
          metadata={"generator": "make_optimizer_fixture.py", "torch": torch.__version__})
