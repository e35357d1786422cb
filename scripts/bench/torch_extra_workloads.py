#!/usr/bin/env python3
"""PyTorch peers of GenRL's extra benchmark workloads (beyond shared/peers/torch_workloads.py),
timed by the same rule: one warm-up, at least --repeat runs and until two seconds have passed.

Usage: python3 torch_extra_workloads.py [--threads 2] [--repeat 5] [workload ...]
Prints: <name>  median_ms=<m>  min_ms=<m>
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F


def cross_entropy():
    """F.cross_entropy forward and backward on [1280, 5000] logits (SeqGAN's 64 × 20 tokens)."""
    logits = torch.randn(1280, 5000, requires_grad=True)
    targets = torch.randint(0, 5000, (1280,))

    def step():
        loss = F.cross_entropy(logits, targets)
        (grad,) = torch.autograd.grad(loss, logits)
    return step


WORKLOADS = {"cross-entropy": cross_entropy}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name in args.workloads:
        step = WORKLOADS[name]()
        step()
        times = []
        while len(times) < args.repeat or (sum(times) < 2000 and len(times) < 200):
            t0 = time.perf_counter()
            step()
            times.append((time.perf_counter() - t0) * 1000)
        print(f"{name}  median_ms={statistics.median(times):.2f}  min_ms={min(times):.2f}", flush=True)


if __name__ == "__main__":
    main()
