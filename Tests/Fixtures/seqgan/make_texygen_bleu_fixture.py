#!/usr/bin/env python3
"""Texygen's BLEU and Self-BLEU on small integer corpora, computed with NLTK.

Texygen (geek-ai/Texygen, utils/metrics/Bleu.py and SelfBleu.py) scores each hypothesis
with nltk.translate.bleu_score.sentence_bleu(references, hypothesis, weights,
smoothing_function=SmoothingFunction().method1), uniform weights up to `gram`, and
averages; in fast mode it keeps the first 500 reference lines (BLEU) or the first 500
generated lines, each scored against the other ones (Self-BLEU). The token lists below
are integers written as strings, as nltk.word_tokenize splits oracle lines.

Run from the repository root:
    /root/.cache/genrl-peer/bin/python Tests/Fixtures/seqgan/make_texygen_bleu_fixture.py
"""
import json
import os
import random

from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu

HERE = os.path.dirname(os.path.abspath(__file__))


def corpus(rng, count, vocab, lengths):
    return [[rng.randrange(vocab) for _ in range(rng.choice(lengths))] for _ in range(count)]


def texygen_bleu(hypotheses, references, gram, limit=500):
    refs = [[str(t) for t in r] for r in references[:limit]]
    weight = tuple(1.0 / gram for _ in range(gram))
    scores = [sentence_bleu(refs, [str(t) for t in h], weight, smoothing_function=SmoothingFunction().method1)
              for h in hypotheses]
    return sum(scores) / len(scores)


def texygen_self_bleu(samples, gram, limit=500):
    kept = [[str(t) for t in s] for s in samples[:limit]]
    weight = tuple(1.0 / gram for _ in range(gram))
    scores = [sentence_bleu(kept[:i] + kept[i + 1:], kept[i], weight, smoothing_function=SmoothingFunction().method1)
              for i in range(len(kept))]
    return sum(scores) / len(scores)


def main():
    rng = random.Random(7)
    references = corpus(rng, 40, 12, [3, 5, 8, 9])
    hypotheses = corpus(rng, 25, 12, [0, 1, 2, 4, 6, 9, 12])
    hypotheses.append(list(references[3]))
    sentences = []
    for h in hypotheses:
        for gram in (1, 2, 3, 4, 5):
            weight = tuple(1.0 / gram for _ in range(gram))
            refs = [[str(t) for t in r] for r in references]
            sentences.append({"hypothesis": h, "order": gram,
                              "score": sentence_bleu(refs, [str(t) for t in h], weight,
                                                     smoothing_function=SmoothingFunction().method1)})
    fixture = {
        "references": references,
        "hypotheses": hypotheses,
        "sentence_scores": sentences,
        "bleu": {str(g): texygen_bleu(hypotheses, references, g) for g in (2, 3, 4, 5)},
        "bleu_limit_10": texygen_bleu(hypotheses, references, 3, limit=10),
        "self_bleu": {str(g): texygen_self_bleu(references, g) for g in (2, 3, 4, 5)},
        "self_bleu_limit_10": texygen_self_bleu(references, 3, limit=10),
    }
    with open(os.path.join(HERE, "texygen_bleu_fixture.json"), "w") as f:
        json.dump(fixture, f)
        f.write("\n")


if __name__ == "__main__":
    main()
