"""Reference fixture for GenRL's byte-level BPE tokenizer (bpe_reference.json).

Three parts, each computed here independently of the Swift code:

* "pretokenize": texts cut by GPT-2's pre-tokenization pattern, evaluated by the
  `regex` module exactly as openai/gpt-2's encoder.py does (regex.findall).
* "training": merges learned from a small corpus by a plain, non-incremental BPE
  trainer: pre-tokens from the GPT-2 pattern, spelled as UTF-8 bytes; at every step
  all adjacent pairs are recounted and the most frequent one is merged (ties: smaller
  left id, then smaller right id); a merge that spells the bytes of an existing token
  reuses it. Token ids: 0-3 special, 4 + byte for bytes, then new tokens in order.
* "encode": ids of unseen texts under those merges, by GPT-2's encoding rule
  (repeatedly merge the adjacent pair with the lowest merge rank).

Run from the repository root:
    /root/.cache/genrl-peer/bin/python Tests/Fixtures/tokenizers/make_bpe_reference.py
"""
import json
import os
from collections import Counter

import regex

GPT2_PATTERN = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
SPECIAL_COUNT = 4
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS_FILE = os.path.join(HERE, "..", "..", "..", "Data", "corpora", "tinyshakespeare_lines.txt")


def byte_symbols():
    """GPT-2's printable spelling of each byte."""
    printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    symbols, shifted = [], 256
    for byte in range(256):
        if byte in printable:
            symbols.append(chr(byte))
        else:
            symbols.append(chr(shifted))
            shifted += 1
    return symbols


SYMBOLS = byte_symbols()


def spell(token_bytes):
    return "".join(SYMBOLS[b] for b in token_bytes)


def train(corpus, vocabulary_size, minimum_pair_count):
    words = Counter()
    for line in corpus:
        for piece in GPT2_PATTERN.findall(line):
            words[tuple(SPECIAL_COUNT + b for b in piece.encode("utf-8"))] += 1
    token_bytes = [b""] * SPECIAL_COUNT + [bytes([b]) for b in range(256)]
    id_of_bytes = {t: i for i, t in enumerate(token_bytes) if i >= SPECIAL_COUNT}
    merges = []
    words = dict(words)
    while len(token_bytes) < vocabulary_size:
        pairs = Counter()
        for word, count in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda pair: (-pairs[pair], pair[0], pair[1]))
        if pairs[best] < minimum_pair_count:
            break
        merged_bytes = token_bytes[best[0]] + token_bytes[best[1]]
        if merged_bytes not in id_of_bytes:
            id_of_bytes[merged_bytes] = len(token_bytes)
            token_bytes.append(merged_bytes)
        merged = id_of_bytes[merged_bytes]
        merges.append(best)
        words = merge_all(words, best, merged)
    return token_bytes, merges, id_of_bytes


def apply_merge(word, pair, merged):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(merged)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def merge_all(words, pair, merged):
    result = Counter()
    for word, count in words.items():
        result[apply_merge(word, pair, merged)] += count
    return dict(result)


def encode(text, merges, id_of_bytes, token_bytes):
    ranks = {pair: rank for rank, pair in enumerate(merges)}
    ids = []
    for piece in GPT2_PATTERN.findall(text):
        word = tuple(SPECIAL_COUNT + b for b in piece.encode("utf-8"))
        while len(word) > 1:
            candidates = [pair for pair in zip(word, word[1:]) if pair in ranks]
            if not candidates:
                break
            best = min(candidates, key=lambda pair: ranks[pair])
            merged = id_of_bytes[token_bytes[best[0]] + token_bytes[best[1]]]
            word = apply_merge(word, best, merged)
        ids.extend(word)
    return ids


PRETOKENIZE_TEXTS = [
    "", " ", "  ", "Hello world", "  two leading spaces", "trailing spaces   ",
    "it's they're I'll we've you'd I'm he'd", "IT'S DON'T", "x'''s", "'tis o'er",
    "a\n\nb", "\tfoo", "line one\nline two", "a  \n  b", "\r\n windows\r\n",
    "numbers 123 4.5 1,000 ٣٤ Ⅻ ½", "$100 and 50%!", "mixed?!... (yes) [no] {maybe}",
    "emoji 👍🏽 family 👨\u200d👩\u200d👧 flags 🇫🇷", "日本語のテキスト、句読点。", "café naïve Ørsted",
    "e\u0301 combining", "no\u00a0break\u2028line\u3000wide", "ǅ title case", "tabs\t\tand\tspaces \t x",
    "    indented code();", "__init__ snake_case CamelCase", "ends with apostrophe'",
]

ENCODE_TEXTS = [
    "", "Hello there, good my lord!", "What's the matter, Romeo? I'll tell thee.",
    "  spaced   out  ", "Numbers: 1599, 1600 and 3.14159.", "Résumé, naïveté, Æsop — “quotes”.",
    "emoji 👍🏽 and 日本語", "line\nbreak\ttab", "xyzzy qwerty zzz", "Thou art more lovely and more temperate.",
]


def main():
    with open(CORPUS_FILE, encoding="utf-8") as handle:
        corpus = [line.rstrip("\n") for line in handle][:300]
    corpus += ["naïve café déjà vu", "naïve café", "déjà vu café"]
    # Runs of one letter make overlapping pairs ("aaa" holds (a, a) twice).
    corpus += ["aaaa aaa aaaaaaa zzzzzz", "abababab baba aaaaa", "zzz zzzz"]
    vocabulary_size, minimum_pair_count = 420, 2
    token_bytes, merges, id_of_bytes = train(corpus, vocabulary_size, minimum_pair_count)
    fixture = {
        "pretokenize": [{"text": t, "pieces": GPT2_PATTERN.findall(t)} for t in PRETOKENIZE_TEXTS],
        "training": {
            "corpusFile": "Data/corpora/tinyshakespeare_lines.txt",
            "corpusLines": 300,
            "extraLines": corpus[300:],
            "vocabularySize": vocabulary_size,
            "minimumPairCount": minimum_pair_count,
            "merges": [spell(token_bytes[l]) + " " + spell(token_bytes[r]) for l, r in merges],
            "vocabulary": [spell(t) for t in token_bytes[SPECIAL_COUNT:]],
        },
        "encode": [
            {"text": t, "ids": encode(t, merges, id_of_bytes, token_bytes)} for t in ENCODE_TEXTS
        ],
    }
    with open(os.path.join(HERE, "bpe_reference.json"), "w", encoding="utf-8") as out:
        json.dump(fixture, out, ensure_ascii=False, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
