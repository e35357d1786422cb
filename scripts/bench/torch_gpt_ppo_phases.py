#!/usr/bin/env python3
"""Where PyTorch's `gpt-ppo` iteration spends its time, in the parts `genrl bench gpt-ppo --phases`
reports for GenRL: generation, the teacher-forced passes of the rollout (policy and reference),
the minibatches' forward and backward passes, the updates (clipping and Adam), and the rest.

It runs the peer's own iteration (shared/peers/torch_workloads.py, imported from --peer-script,
with its model, shapes and settings) with timers around those parts; it does not change the work.

Usage: python3 torch_gpt_ppo_phases.py [--peer-script ../shared/peers/torch_workloads.py]
                                       [--threads 2] [--iterations 5]
Prints one line per iteration after a warm-up, and their means:
    phases (ms): generation <g>, rollout passes <r>, forward <f>, backward <b>, update <u>, the rest <o>
"""
import argparse
import importlib.util
import time

import torch
import torch.nn as nn


def load_peer(path):
    spec = importlib.util.spec_from_file_location("torch_workloads", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gpt_ppo_with_timers(peer):
    """The peer's gpt_ppo step, part for part, with each part's wall-clock time added up."""
    c = peer.GPT_SHAPE
    policy = peer.GPT(c["vocab"], c["d"], c["layers"], c["heads"])
    ref = peer.GPT(c["vocab"], c["d"], c["layers"], c["heads"])
    ref.load_state_dict(policy.state_dict())
    opt = torch.optim.Adam(policy.parameters(), 1e-5)
    prompts = torch.randint(0, c["vocab"], (c["batch"], c["prompt"]))
    P = c["prompt"]

    def logprobs(model, seqs):
        logits, values = model(seqs[:, :-1])
        lp = torch.log_softmax(logits, -1).gather(2, seqs[:, 1:, None]).squeeze(2)
        return lp[:, P - 1:], values[:, P - 1:]

    def step():
        phases = dict.fromkeys(["generation", "rollout passes", "forward", "backward", "update"], 0.0)
        start = time.perf_counter()

        def lap(name, since):
            now = time.perf_counter()
            phases[name] += now - since
            return now

        t = time.perf_counter()
        seqs = policy.generate(prompts, c["new"])
        t = lap("generation", t)
        with torch.no_grad():
            old_lp, old_v = logprobs(policy, seqs)
            ref_lp, _ = logprobs(ref, seqs)
        lap("rollout passes", t)
        rewards = -0.05 * (old_lp - ref_lp)
        rewards[:, -1] += torch.rand(c["batch"])
        adv, last = torch.zeros_like(rewards), 0
        for t in reversed(range(rewards.shape[1])):
            nv = old_v[:, t + 1] if t + 1 < rewards.shape[1] else 0
            delta = rewards[:, t] + nv - old_v[:, t]
            last = delta + 0.95 * last
            adv[:, t] = last
        returns = adv + old_v
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        for _ in range(c["ppo_epochs"]):
            for idx in torch.randperm(c["batch"]).split(c["minibatch"]):
                t = time.perf_counter()
                lp, v = logprobs(policy, seqs[idx])
                ratio = torch.exp(lp - old_lp[idx])
                pg = torch.max(-adv[idx] * ratio, -adv[idx] * ratio.clamp(0.8, 1.2)).mean()
                vl = 0.5 * ((v - returns[idx]) ** 2).mean()
                opt.zero_grad()
                t = lap("forward", t)
                (pg + 0.1 * vl).backward()
                t = lap("backward", t)
                nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
                opt.step()
                lap("update", t)
        phases["the rest"] = time.perf_counter() - start - sum(phases.values())
        return phases
    return step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer-script", default="../shared/peers/torch_workloads.py")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step = gpt_ppo_with_timers(load_peer(args.peer_script))
    step()  # warm-up
    runs = [step() for _ in range(args.iterations)]

    def line(phases):
        return "phases (ms): " + ", ".join(f"{name} {1000 * seconds:.1f}" for name, seconds in phases.items())

    for phases in runs:
        print(line(phases))
    print("mean " + line({name: sum(run[name] for run in runs) / len(runs) for name in runs[0]}))


if __name__ == "__main__":
    main()
