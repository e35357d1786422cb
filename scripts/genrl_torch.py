#!/usr/bin/env python3
"""GenRL model directories in PyTorch: load one as a torch.nn.Module, save one back.

A GenRL language model is a directory of three files (docs/checkpoint-format.md):
    config.json        {"architecture": "recurrent" | "gpt" | "bigram", ...sizes}
    model.safetensors  every parameter as float32 under its dotted GenRL name
    tokenizer.json     the tokenizer ({"format": "genrl-tokenizer", ...})

The modules built here have exactly GenRL's parameter names as their state_dict keys
(no renaming is needed in either direction), and forward(tokens) computes what GenRL's
model computes: for tokens [B, T] (int64) it returns (logits [B, T, V], values [B, T]
or None when the model has no value head).

    from genrl_torch import load_genrl_model, save_genrl_model
    model = load_genrl_model("runs/lm/checkpoints/final")      # eval mode, float32
    logits, values = model(torch.tensor([[1, 4, 5, 6]]))
    ...fine-tune in PyTorch...
    save_genrl_model(model, model.genrl_config, "lm-from-torch")  # keeps the tokenizer

Command line (the Swift tests use `run`):
    python3 genrl_torch.py describe DIR       the config, every tensor's name and shape
    python3 genrl_torch.py run DIR --tokens '[[1,4,5]]' [--output out.safetensors]
                                   [--float64] [--resave NEW_DIR]
`run` prints {"logits": ..., "values": ...} as JSON, or with --output writes the float32
tensors "logits" and (with a value head) "values" to a safetensors file; with --resave it
also writes the loaded module back out with save_genrl_model.

Needs only the standard library, torch and safetensors.
"""
import argparse
import json
import math
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

# The defaults of GenRL's Swift configuration types (RecurrentLanguageModelConfiguration,
# GPTConfiguration, the bigram case). GenRL itself requires every field in config.json;
# save_genrl_model writes them all, filling these for fields the caller left out.
DEFAULTS = {
    "recurrent": {"cell": "lstm", "embeddingSize": 32, "hiddenSize": 32, "layers": 1, "dropout": 0.0,
                  "valueHead": False},
    "gpt": {"contextLength": 128, "width": 256, "layers": 4, "heads": 4, "mlpRatio": 4, "dropout": 0.0,
            "valueHead": False},
    "bigram": {"valueHead": False},
}
LAYER_NORM_EPSILON = 1e-5  # GenRL's GPT blocks and final norm (not stored in config.json)


# MARK: - Modules


class RecurrentLanguageModel(nn.Module):
    """Embedding -> nn.LSTM or nn.GRU (batch first) -> Linear over the vocabulary, plus an
    optional scalar value head on the top layer's output. Keys: embedding.weight,
    lstm.weight_ih_l0 (or gru.*), ..., out.weight, out.bias, valueHead.weight, valueHead.bias."""

    def __init__(self, config):
        super().__init__()
        self.genrl_config = config
        vocabulary, embedding, hidden = config["vocabularySize"], config["embeddingSize"], config["hiddenSize"]
        self.embedding = nn.Embedding(vocabulary, embedding)
        # GenRL applies the dropout between layers only, as PyTorch does; with one layer
        # it has no effect, and PyTorch would warn about it.
        dropout = config["dropout"] if config["layers"] > 1 else 0.0
        cell = {"lstm": nn.LSTM, "gru": nn.GRU}[config["cell"]]
        setattr(self, config["cell"], cell(embedding, hidden, config["layers"], batch_first=True, dropout=dropout))
        self.out = nn.Linear(hidden, vocabulary)
        self.valueHead = nn.Linear(hidden, 1) if config["valueHead"] else None

    def forward(self, tokens, state=None):
        recurrent = getattr(self, self.genrl_config["cell"])
        hidden, _ = recurrent(self.embedding(tokens), state)
        values = self.valueHead(hidden).squeeze(-1) if self.valueHead is not None else None
        return self.out(hidden), values


class CausalSelfAttention(nn.Module):
    """qkv: one Linear d -> 3d (queries, keys, values, each split into heads of d/H
    consecutive features); softmax(QK^T / sqrt(d/H) + causal mask) V per head; the heads
    side by side through projection: d -> d."""

    def __init__(self, width, heads, dropout):
        super().__init__()
        self.qkv = nn.Linear(width, 3 * width)
        self.projection = nn.Linear(width, width)
        self.attentionDropout = nn.Dropout(dropout)
        self.residualDropout = nn.Dropout(dropout)
        self.heads = heads

    def forward(self, x):
        batch, steps, width = x.shape
        head_size = width // self.heads
        queries, keys, values = self.qkv(x).split(width, dim=2)
        queries, keys, values = (t.view(batch, steps, self.heads, head_size).transpose(1, 2)
                                 for t in (queries, keys, values))
        scores = queries @ keys.transpose(-2, -1) / math.sqrt(head_size)
        future = torch.ones(steps, steps, dtype=torch.bool, device=x.device).triu(1)
        weights = self.attentionDropout(torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1))
        mixed = (weights @ values).transpose(1, 2).reshape(batch, steps, width)
        return self.residualDropout(self.projection(mixed))


class MLP(nn.Module):
    """input: d -> mlpRatio*d, exact GELU (erf), output: mlpRatio*d -> d."""

    def __init__(self, width, hidden):
        super().__init__()
        self.input = nn.Linear(width, hidden)
        self.output = nn.Linear(hidden, width)

    def forward(self, x):
        return self.output(F.gelu(self.input(x)))


class GPTBlock(nn.Module):
    """Pre-LayerNorm block: h = x + attention(ln1(x)); y = h + dropout(mlp(ln2(h)))."""

    def __init__(self, width, heads, mlp_ratio, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(width, eps=LAYER_NORM_EPSILON)
        self.attention = CausalSelfAttention(width, heads, dropout)
        self.ln2 = nn.LayerNorm(width, eps=LAYER_NORM_EPSILON)
        self.mlp = MLP(width, mlp_ratio * width)
        self.mlpDropout = nn.Dropout(dropout)

    def forward(self, x):
        h = x + self.attention(self.ln1(x))
        return h + self.mlpDropout(self.mlp(self.ln2(h)))


class GPTLanguageModel(nn.Module):
    """Token + learned position embeddings (dropout), GPT blocks, final LayerNorm, a
    bias-free head to the vocabulary, an optional value head on the normalised state."""

    def __init__(self, config):
        super().__init__()
        self.genrl_config = config
        width = config["width"]
        self.tokenEmbedding = nn.Embedding(config["vocabularySize"], width)
        self.positionEmbedding = nn.Embedding(config["contextLength"], width)
        self.embeddingDropout = nn.Dropout(config["dropout"])
        self.blocks = nn.ModuleList(GPTBlock(width, config["heads"], config["mlpRatio"], config["dropout"])
                                    for _ in range(config["layers"]))
        self.finalNorm = nn.LayerNorm(width, eps=LAYER_NORM_EPSILON)
        self.head = nn.Linear(width, config["vocabularySize"], bias=False)
        self.valueHead = nn.Linear(width, 1) if config["valueHead"] else None

    def forward(self, tokens):
        steps = tokens.shape[1]
        if steps > self.genrl_config["contextLength"]:
            raise ValueError(f"sequence of {steps} tokens exceeds the context length {self.genrl_config['contextLength']}")
        positions = torch.arange(steps, device=tokens.device)
        x = self.embeddingDropout(self.tokenEmbedding(tokens) + self.positionEmbedding(positions))
        for block in self.blocks:
            x = block(x)
        h = self.finalNorm(x)
        values = self.valueHead(h).squeeze(-1) if self.valueHead is not None else None
        return self.head(h), values


class BigramLanguageModel(nn.Module):
    """logits = transitions[token] ([V, V] table); values = valueTable[token] ([V, 1])."""

    def __init__(self, config):
        super().__init__()
        self.genrl_config = config
        size = config["vocabularySize"]
        self.transitions = nn.Parameter(torch.zeros(size, size))
        self.valueTable = nn.Parameter(torch.zeros(size, 1)) if config["valueHead"] else None

    def forward(self, tokens):
        values = self.valueTable[tokens].squeeze(-1) if self.valueTable is not None else None
        return self.transitions[tokens], values


ARCHITECTURES = {"recurrent": RecurrentLanguageModel, "gpt": GPTLanguageModel, "bigram": BigramLanguageModel}


# MARK: - Configuration


def complete_config(config, strict):
    """`config` with every field GenRL reads, defaults filled in; checks the values.
    With `strict`, a field GenRL does not know is an error (a likely typo)."""
    architecture = config.get("architecture")
    if architecture not in DEFAULTS:
        raise ValueError(f'config: unknown architecture {architecture!r} (expected "recurrent", "gpt" or "bigram")')
    if "vocabularySize" not in config:
        raise ValueError("config: missing vocabularySize")
    complete = {"architecture": architecture, "vocabularySize": config["vocabularySize"], **DEFAULTS[architecture]}
    unknown = sorted(set(config) - set(complete))
    if strict and unknown:
        raise ValueError(f"config: fields {unknown} are not fields of a {architecture} model")
    complete.update({key: value for key, value in config.items() if key in complete})
    for key, value in complete.items():
        if key in ("architecture", "cell", "valueHead", "dropout"):
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"config: {key} must be a positive integer, got {value!r}")
    complete["valueHead"] = bool(complete["valueHead"])
    if architecture == "recurrent" and complete["cell"] not in ("lstm", "gru"):
        raise ValueError(f'config: cell must be "lstm" or "gru", got {complete["cell"]!r}')
    if architecture == "gpt" and complete["width"] % complete["heads"] != 0:
        raise ValueError(f"config: width {complete['width']} is not divisible by heads {complete['heads']}")
    if "dropout" in complete:
        complete["dropout"] = float(complete["dropout"])
        if not 0 <= complete["dropout"] < 1:
            raise ValueError(f"config: dropout must be in [0, 1), got {complete['dropout']}")
    return complete


def build_module(config):
    """A module of the architecture `config` names, with PyTorch's default initialisation
    (not GenRL's: load weights into it)."""
    config = complete_config(config, strict=False)
    return ARCHITECTURES[config["architecture"]](config)


# MARK: - Loading and saving


def load_genrl_model(directory, dtype=torch.float32):
    """The PyTorch module of the GenRL model directory `directory`, in eval mode, with its
    weights (as `dtype`). `module.genrl_config` holds the configuration and
    `module.genrl_tokenizer` the parsed tokenizer.json (None if the file is absent)."""
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as file:
        config = complete_config(json.load(file), strict=False)
    module = build_module(config)
    weights_path = os.path.join(directory, "model.safetensors")
    weights = load_file(weights_path)
    expected = module.state_dict()
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    if missing or unexpected:
        raise ValueError(f"{weights_path}: weights do not fit the configuration: missing {missing}, unexpected {unexpected}")
    for name, tensor in weights.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise ValueError(f"{weights_path}: {name} has shape {list(tensor.shape)}, "
                             f"the configuration needs {list(expected[name].shape)}")
    module.load_state_dict(weights, strict=True)
    module.to(dtype).eval()
    tokenizer_path = os.path.join(directory, "tokenizer.json")
    module.genrl_tokenizer = None
    if os.path.exists(tokenizer_path):
        with open(tokenizer_path, encoding="utf-8") as file:
            module.genrl_tokenizer = json.load(file)
    return module


def _read_tokenizer(tokenizer_json):
    """A parsed tokenizer from a dict, JSON text, a tokenizer.json path or its directory."""
    if isinstance(tokenizer_json, dict):
        return tokenizer_json
    text = str(tokenizer_json)
    if text.lstrip().startswith("{"):
        return json.loads(text)
    path = os.path.join(text, "tokenizer.json") if os.path.isdir(text) else text
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def _write_atomically(path, write):
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _write_json(path, value):
    def write(temporary):
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(value, file, indent=2, sort_keys=True, ensure_ascii=False)
            file.write("\n")
    _write_atomically(path, write)


def save_genrl_model(module, config, directory, tokenizer_json=None):
    """Writes `module` as a GenRL model directory that `ModelDirectory.load` reads.

    `config` is the config.json content as a dict (fields left out get GenRL's defaults;
    None uses `module.genrl_config`). The module's state_dict must hold exactly the
    tensors that configuration needs, under GenRL's names and shapes (the modules of this
    file have them); they are written as float32. `tokenizer_json` is a dict, JSON text, or
    the path of a tokenizer.json (or of a directory holding one); None uses
    `module.genrl_tokenizer` if set, else keeps a tokenizer.json already in `directory`.
    GenRL cannot load a directory without tokenizer.json: a warning says when none is written.
    """
    config = complete_config(config if config is not None else module.genrl_config, strict=True)
    with torch.device("meta"):
        expected = {name: tuple(t.shape) for name, t in build_module(config).state_dict().items()}
    # clone(): tied tensors (one storage under two names) are written as two tensors.
    state = {name: t.detach().to(device="cpu", dtype=torch.float32).clone().contiguous()
             for name, t in module.state_dict().items()}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = [f"{name} {list(state[name].shape)} (expected {list(shape)})"
             for name, shape in expected.items() if name in state and tuple(state[name].shape) != shape]
    if missing or unexpected or wrong:
        raise ValueError(f"module does not fit the {config['architecture']} configuration: missing {missing}, "
                         f"unexpected {unexpected}, wrong shapes {wrong}")
    if tokenizer_json is None:
        tokenizer = getattr(module, "genrl_tokenizer", None)
    else:
        tokenizer = _read_tokenizer(tokenizer_json)
    if tokenizer is not None:
        if tokenizer.get("format") != "genrl-tokenizer":
            raise ValueError(f"tokenizer: format is {tokenizer.get('format')!r}, expected 'genrl-tokenizer'")
        if len(tokenizer.get("vocabulary", [])) > config["vocabularySize"]:
            raise ValueError(f"tokenizer: {len(tokenizer['vocabulary'])} tokens exceed the model's vocabularySize "
                             f"{config['vocabularySize']}")

    os.makedirs(directory, exist_ok=True)
    _write_json(os.path.join(directory, "config.json"), config)
    _write_atomically(os.path.join(directory, "model.safetensors"),
                      lambda temporary: save_file(state, temporary, metadata={"format": "pt"}))
    tokenizer_path = os.path.join(directory, "tokenizer.json")
    if tokenizer is not None:
        _write_json(tokenizer_path, tokenizer)
    elif not os.path.exists(tokenizer_path):
        warnings.warn(f"{directory}: no tokenizer.json written; GenRL needs one to load the model")


# MARK: - Command line


def _describe(arguments):
    module = load_genrl_model(arguments.directory)
    print(json.dumps(module.genrl_config, indent=2, sort_keys=True))
    for name, tensor in module.state_dict().items():
        print(f"{name:48s} {list(tensor.shape)}")
    print(f"{sum(t.numel() for t in module.state_dict().values())} parameters")


def _run(arguments):
    dtype = torch.float64 if arguments.float64 else torch.float32
    module = load_genrl_model(arguments.directory, dtype=dtype)
    tokens = torch.tensor(json.loads(arguments.tokens), dtype=torch.int64)
    if tokens.dim() != 2:
        raise SystemExit(f"--tokens must be a [batch, length] array, got shape {list(tokens.shape)}")
    with torch.no_grad():
        logits, values = module(tokens)
    outputs = {"logits": logits}
    if values is not None:
        outputs["values"] = values
    if arguments.output:
        save_file({name: t.to(torch.float32).contiguous() for name, t in outputs.items()}, arguments.output)
    else:
        print(json.dumps({name: t.tolist() for name, t in outputs.items()}))
    if arguments.resave:
        save_genrl_model(module, module.genrl_config, arguments.resave)


def main(argv=None):
    parser = argparse.ArgumentParser(description="GenRL model directories in PyTorch.")
    commands = parser.add_subparsers(dest="command", required=True)
    describe = commands.add_parser("describe", help="print the configuration and every tensor's name and shape")
    describe.add_argument("directory")
    describe.set_defaults(action=_describe)
    run = commands.add_parser("run", help="run the model on token ids and print or save logits and values")
    run.add_argument("directory")
    run.add_argument("--tokens", required=True, help="token ids as a JSON array [[...], ...] of shape [batch, length]")
    run.add_argument("--output", help="write logits (and values) to this safetensors file instead of printing JSON")
    run.add_argument("--float64", action="store_true", help="compute in float64 (outputs are still saved as float32)")
    run.add_argument("--resave", metavar="DIRECTORY", help="also save the loaded model there with save_genrl_model")
    run.set_defaults(action=_run)
    arguments = parser.parse_args(argv)
    arguments.action(arguments)


if __name__ == "__main__":
    main(sys.argv[1:])
