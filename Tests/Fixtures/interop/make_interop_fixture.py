#!/usr/bin/env python3
"""PyTorch -> GenRL fixtures: small language models built in PyTorch, saved as GenRL
model directories, with PyTorch's outputs for fixed tokens.

For each case below the script builds the PyTorch module of scripts/genrl_torch.py with
random weights (PyTorch's default initialisation, LayerNorm gains and biases drawn away
from 1 and 0, bigram tables drawn N(0, 1)), writes it with save_genrl_model into
<case>/ beside this script (config.json, model.safetensors, tokenizer.json: a character
tokenizer over "a".."p", 20 tokens with the four special ones), loads the directory back
with load_genrl_model and runs it in float64 on the same tokens. The float32 weights are
what GenRL reads, so the float64 outputs carry no rounding of PyTorch's own.

    lstm    recurrent, LSTM, embedding 6, hidden 8, 2 layers, value head
    gru     recurrent, GRU, embedding 6, hidden 8, 2 layers, dropout 0.25 (off in eval)
    gpt     gpt, context 12, width 16, 2 layers, 4 heads, MLP ratio 2, value head
    bigram  bigram, value head

reference_outputs.safetensors holds "tokens" (int64 [3, 10], each row starting with
<bos> = 1) and, per case, "<case>.logits" [3, 10, 20] and "<case>.values" [3, 10]
(when the model has a value head), as float32.

Usage: python3 make_interop_fixture.py   (rewrites the directories and the outputs)
"""
import os
import sys

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "scripts"))
from genrl_torch import build_module, load_genrl_model, save_genrl_model  # noqa: E402

VOCABULARY_SIZE = 20
TOKENIZER = {
    "format": "genrl-tokenizer",
    "version": 1,
    "kind": "character",
    "vocabulary": ["<pad>", "<bos>", "<eos>", "<unk>"] + [chr(ord("a") + i) for i in range(VOCABULARY_SIZE - 4)],
}
CASES = {
    "lstm": {"architecture": "recurrent", "vocabularySize": VOCABULARY_SIZE, "cell": "lstm", "embeddingSize": 6,
             "hiddenSize": 8, "layers": 2, "valueHead": True},
    "gru": {"architecture": "recurrent", "vocabularySize": VOCABULARY_SIZE, "cell": "gru", "embeddingSize": 6,
            "hiddenSize": 8, "layers": 2, "dropout": 0.25},
    "gpt": {"architecture": "gpt", "vocabularySize": VOCABULARY_SIZE, "contextLength": 12, "width": 16, "layers": 2,
            "heads": 4, "mlpRatio": 2, "valueHead": True},
    "bigram": {"architecture": "bigram", "vocabularySize": VOCABULARY_SIZE, "valueHead": True},
}


def randomize(module):
    """Draws the weights that the default initialisation leaves at constants."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, torch.nn.LayerNorm):
                layer.weight.uniform_(0.5, 1.5)
                layer.bias.uniform_(-0.5, 0.5)
        for name in ("transitions", "valueTable"):
            if getattr(module, name, None) is not None:
                getattr(module, name).normal_(0, 1)


def main():
    torch.manual_seed(20250101)
    tokens = torch.randint(4, VOCABULARY_SIZE, (3, 10))
    tokens[:, 0] = 1
    references = {"tokens": tokens}
    for case, config in CASES.items():
        module = build_module(config)
        randomize(module)
        module.eval()
        directory = os.path.join(HERE, case)
        save_genrl_model(module, config, directory, tokenizer_json=TOKENIZER)
        loaded = load_genrl_model(directory, dtype=torch.float64)
        with torch.no_grad():
            logits, values = loaded(tokens)
            own_logits, _ = module(tokens)  # the float32 module, before saving
        assert torch.allclose(logits.float(), own_logits, rtol=1e-4, atol=1e-5), case
        references[f"{case}.logits"] = logits.float().contiguous()
        if values is not None:
            references[f"{case}.values"] = values.float().contiguous()
    save_file(references, os.path.join(HERE, "reference_outputs.safetensors"))


if __name__ == "__main__":
    main()
