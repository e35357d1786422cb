#!/usr/bin/env python3
"""Log-likelihoods of a few sequences under SeqGAN's oracle, computed by PyTorch.

Loads ../shared/data/seqgan-oracle.safetensors (the oracle LSTM of Yu et al. 2017 in
PyTorch's layout; see shared/data/README.md) into nn.Embedding, nn.LSTM and nn.Linear,
samples eight sequences of 20 tokens from it (start token 0 fed first, zero state), and
writes oracle_fixture.json: the sequences, their log-likelihoods (nats, summed over the
20 tokens) and the logits of the first step for token ids 0..7.

Run from the repository root:
    /root/.cache/genrl-peer/bin/python Tests/Fixtures/seqgan/make_oracle_fixture.py
"""
import json
import os

import torch
import torch.nn as nn
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "seqgan-oracle.safetensors")
if not os.path.exists(ORACLE):
    ORACLE = "/work/shared/data/seqgan-oracle.safetensors"


class Oracle(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(5000, 32)
        self.lstm = nn.LSTM(32, 32, batch_first=True)
        self.out = nn.Linear(32, 5000)

    def forward(self, tokens):
        hidden, _ = self.lstm(self.embedding(tokens))
        return self.out(hidden)


def main():
    torch.manual_seed(0)
    oracle = Oracle()
    oracle.load_state_dict(load_file(ORACLE))
    oracle.eval()
    batch, length = 8, 20
    with torch.no_grad():
        tokens = torch.zeros(batch, 1, dtype=torch.long)
        for _ in range(length):
            logits = oracle(tokens)[:, -1]
            nxt = torch.multinomial(torch.softmax(logits, -1), 1)
            tokens = torch.cat([tokens, nxt], 1)
        logits = oracle(tokens[:, :-1])
        log_probs = torch.log_softmax(logits.double(), -1).gather(2, tokens[:, 1:, None]).squeeze(2)
        first = oracle(torch.zeros(1, 1, dtype=torch.long))[0, 0, :8]
    fixture = {
        "start_token": 0,
        "sequences": tokens[:, 1:].tolist(),
        "log_likelihoods": log_probs.sum(1).tolist(),
        "first_step_logits": first.tolist(),
    }
    with open(os.path.join(HERE, "oracle_fixture.json"), "w") as f:
        json.dump(fixture, f)
        f.write("\n")


if __name__ == "__main__":
    main()
