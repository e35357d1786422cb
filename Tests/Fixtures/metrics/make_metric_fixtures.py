#!/usr/bin/env python3
"""Builds the text-metric test corpus and its reference numbers.

Reads references.txt (one reference sentence a line), adds a few references with
characters a text file cannot show plainly (newlines, no-break and zero-width spaces),
makes one hypothesis per reference by seeded random edits, gives about a quarter of the
pairs a second reference, and writes metric_fixtures.json with the scores that
sacreBLEU and rouge-score compute on them. GenRL's MetricsTests read that file.

Run with the interpreter that has sacreBLEU 2.6.0, rouge-score 0.1.2 and nltk:

    /root/.cache/genrl-peer/bin/python make_metric_fixtures.py
"""

import json
import random
import re
from pathlib import Path

import nltk
import rouge_score
import sacrebleu
from nltk.stem import porter
from rouge_score import rouge_scorer, tokenize
from sacrebleu.metrics import BLEU, CHRF

HERE = Path(__file__).resolve().parent
SEED = 20240517

# References that need escapes to be written down.
SPECIAL_REFERENCES = [
    "Two lines:\nthe second one follows a newline.",
    "A hyphen at a line end is joined: well-\nknown words.",
    "Spaces of many kinds:\u00a0no-break,\u2009thin,\u3000ideographic and\u200bzero-width.",
    "Segments marked <skipped> are removed by the 13a tokenizer.",
    "Line and paragraph separators\u2028split\u2029words too.",
    "Trailing whitespace of several kinds \t\u00a0\u3000",
    "ΣΊΣΥΦΟΣ and ΟΔΥΣΣΕΎΣ lower to final sigmas; so does ΌΣ.",
    "Decomposed e\u0301 and precomposed \u00e9 are different code points.",
    # Short references: some n-gram orders have no reference n-grams at all.
    "Yes!", "Ok", "Ja.", "🎉", "No — never.", "Oh dear!",
]

SYNONYMS = {
    "said": "replied", "little": "small", "very": "really", "large": "big",
    "began": "started", "thought": "reckoned", "Alice": "Alicia", "Rabbit": "Hare",
    "cried": "shouted", "looked": "glanced", "quite": "rather", "great": "huge",
    "door": "gate", "garden": "yard", "again": "once more", "nothing": "naught",
    "Mouse": "Rat", "cat": "kitten", "Dinah": "Diana", "key": "keys",
    "the": "a", "and": "&", "was": "were", "train": "coach", "café": "cafe",
    "crème": "creme", "Bäcker": "Baecker", "Besançon": "Besancon", "team": "crew",
    "meeting": "session", "cost": "costs", "runners": "racers", "sleep": "slept",
    "Running,": "Run,", "connected,": "connects,", "hopefully": "hopeful",
    "北京站": "上海站", "晴れ、": "雨、", "부산까지": "대구까지", "🚀.": "🛸.",
}

FILLERS = ["indeed", "quite", "well,", "—", "très", "🙂", "“so”", "2", "really"]


def edit_words(words, rng):
    """Applies one random edit to a list of words (whitespace-separated pieces)."""
    if not words:
        return words
    kind = rng.choice(
        ["drop", "swap", "synonym", "number", "duplicate", "insert", "punct", "case",
         "quotes", "emoji", "truncate"])
    i = rng.randrange(len(words))
    w = list(words)
    if kind == "drop" and len(w) > 1:
        del w[i]
    elif kind == "swap" and len(w) > 1:
        j = min(i + 1, len(w) - 1)
        w[i], w[j] = w[j], w[i]
    elif kind == "synonym":
        options = [k for k, word in enumerate(w) if word in SYNONYMS]
        if options:
            k = rng.choice(options)
            w[k] = SYNONYMS[w[k]]
        else:
            w[i] = w[i][::-1]
    elif kind == "number":
        options = [k for k, word in enumerate(w) if re.search(r"[0-9]", word)]
        if options:
            k = rng.choice(options)
            w[k] = re.sub(r"[0-9]+", lambda m: str(int(m.group(0)) + rng.randint(1, 9)), w[k], count=1)
        else:
            w.insert(i, str(rng.randint(1, 1999)))
    elif kind == "duplicate":
        w.insert(i, w[i])
    elif kind == "insert":
        w.insert(i, rng.choice(FILLERS))
    elif kind == "punct":
        w[i] = re.sub(r"[.,;:!?”’)]$", "", w[i]) or w[i]
        if rng.random() < 0.5:
            w[i] = w[i] + rng.choice([",", ".", "!", "?", ";", ":", "…", " -", "–"])
    elif kind == "case":
        w[i] = w[i].upper() if rng.random() < 0.5 else w[i].capitalize()
    elif kind == "quotes":
        table = str.maketrans({"“": '"', "”": '"', "’": "'", "‘": "'", "—": "--"})
        w = [x.translate(table) for x in w]
    elif kind == "emoji":
        w.append(rng.choice(["😀", "👍🏽", "🎉", "❤️", "🇬🇧"]))
    elif kind == "truncate" and len(w) > 3:
        w = w[: max(2, len(w) // 2)]
    return w


def make_hypothesis(reference, rng, edits):
    if reference.count("\n") or reference != reference.strip() or "\u200b" in reference:
        # Keep the unusual whitespace: edit only inside the first space-separated run.
        head, sep, tail = reference.partition(" ")
        return head + sep + " ".join(edit_words(tail.split(" "), rng)) if tail else reference
    words = reference.split(" ")
    for _ in range(edits):
        words = edit_words(words, rng)
    return " ".join(words)


def build_pairs():
    rng = random.Random(SEED)
    refs = (HERE / "references.txt").read_text(encoding="utf-8").split("\n")
    refs = [r for r in refs if r] + SPECIAL_REFERENCES
    pairs = []
    for index, ref in enumerate(refs):
        roll = rng.random()
        if index == 3:
            hyp = ""                                   # empty hypothesis
        elif index == 7:
            hyp = "Zebra xylophone quartz."            # no n-gram in common
        elif index == 11:
            hyp = ref + " And then, quite suddenly, it was all over — 100% over!"  # longer
        elif roll < 0.08:
            hyp = ref                                  # exact copy
        else:
            hyp = make_hypothesis(ref, rng, rng.randint(1, 4))
        references = [ref]
        if rng.random() < 0.25:
            references.append(make_hypothesis(ref, rng, rng.randint(1, 3)))
        pairs.append({"hypothesis": hyp, "references": references})
    return pairs


def r100(x):
    """Scores on sacreBLEU's 0-100 scale, rounded far below the tests' 1e-6 tolerance."""
    return round(float(x), 7)


def r1(x):
    """Scores on rouge-score's 0-1 scale."""
    return round(float(x), 9)


def streams(pairs):
    """sacreBLEU's reference layout: one stream per reference position, None where absent."""
    width = max(len(p["references"]) for p in pairs)
    return [[p["references"][k] if k < len(p["references"]) else None for p in pairs]
            for k in range(width)]


BLEU_CORPUS_OPTIONS = [
    dict(tokenize="13a", smooth_method="exp"),
    dict(tokenize="13a", smooth_method="none"),
    dict(tokenize="13a", smooth_method="floor"),
    dict(tokenize="13a", smooth_method="floor", smooth_value=0.05),
    dict(tokenize="13a", smooth_method="add-k"),
    dict(tokenize="13a", smooth_method="add-k", smooth_value=0.5),
    dict(tokenize="13a", smooth_method="exp", effective_order=True),
    dict(tokenize="13a", smooth_method="exp", lowercase=True),
    dict(tokenize="13a", smooth_method="exp", max_ngram_order=2),
    dict(tokenize="none", smooth_method="exp"),
    dict(tokenize="intl", smooth_method="exp"),
    dict(tokenize="char", smooth_method="exp"),
]

BLEU_SENTENCE_OPTIONS = [
    dict(tokenize="13a", smooth_method="exp", effective_order=True),
    dict(tokenize="13a", smooth_method="none", effective_order=True),
    dict(tokenize="13a", smooth_method="floor", effective_order=True),
    dict(tokenize="13a", smooth_method="add-k", effective_order=True),
    dict(tokenize="intl", smooth_method="exp", effective_order=True),
    dict(tokenize="char", smooth_method="exp", effective_order=True),
]

CHRF_CORPUS_OPTIONS = [
    dict(),
    dict(word_order=2),
    dict(whitespace=True),
    dict(eps_smoothing=True),
    dict(word_order=2, eps_smoothing=True),
    dict(lowercase=True),
    dict(beta=1),
    dict(char_order=4, word_order=1),
]

CHRF_SENTENCE_OPTIONS = [
    dict(),
    dict(word_order=2),
    dict(eps_smoothing=True),
    dict(whitespace=True, lowercase=True),
]


def bleu_options(options):
    """Writes every BLEU option out, so the Swift test needs no defaults of its own."""
    return {
        "tokenize": options.get("tokenize", "13a"),
        "smooth_method": options.get("smooth_method", "exp"),
        "smooth_value": options.get("smooth_value"),
        "lowercase": options.get("lowercase", False),
        "effective_order": options.get("effective_order", False),
        "max_ngram_order": options.get("max_ngram_order", 4),
    }


def chrf_options(options):
    return {
        "char_order": options.get("char_order", 6),
        "word_order": options.get("word_order", 0),
        "beta": options.get("beta", 2),
        "lowercase": options.get("lowercase", False),
        "whitespace": options.get("whitespace", False),
        "eps_smoothing": options.get("eps_smoothing", False),
    }


def bleu_record(score):
    return {
        "score": r100(score.score),
        "counts": [int(c) for c in score.counts],
        "totals": [int(t) for t in score.totals],
        "precisions": [r100(p) for p in score.precisions],
        "bp": round(score.bp, 12),
        "sys_len": score.sys_len,
        "ref_len": score.ref_len,
        "formatted": str(score),
    }


def corpus_bleu(pairs):
    hyps = [p["hypothesis"] for p in pairs]
    out = []
    for options in BLEU_CORPUS_OPTIONS:
        for multi in (False, True):
            refs = streams(pairs) if multi else streams(pairs)[:1]
            metric = BLEU(**options)
            record = bleu_record(metric.corpus_score(hyps, refs))
            record["options"] = bleu_options(options)
            record["multi_reference"] = multi
            record["signature"] = str(metric.get_signature())
            out.append(record)
    return out


def sentence_bleu(pairs):
    out = []
    for options in BLEU_SENTENCE_OPTIONS:
        metric = BLEU(**options)
        scores = [r100(metric.sentence_score(p["hypothesis"], p["references"]).score)
                  for p in pairs]
        out.append({"options": bleu_options(options), "scores": scores})
    # Full statistics and formatting for a handful of sentences (the edge cases).
    metric = BLEU(effective_order=True)
    details = []
    for index in (0, 3, 7, 11, 20):
        p = pairs[index]
        record = bleu_record(metric.sentence_score(p["hypothesis"], p["references"]))
        record["pair"] = index
        details.append(record)
    return out, details


def chrf_all(pairs):
    hyps = [p["hypothesis"] for p in pairs]
    corpus, sentence = [], []
    for options in CHRF_CORPUS_OPTIONS:
        for multi in (False, True):
            refs = streams(pairs) if multi else streams(pairs)[:1]
            metric = CHRF(**options)
            score = metric.corpus_score(hyps, refs)
            corpus.append({
                "options": chrf_options(options), "multi_reference": multi,
                "score": r100(score.score), "formatted": str(score),
                "signature": str(metric.get_signature()),
            })
    for options in CHRF_SENTENCE_OPTIONS:
        metric = CHRF(**options)
        scores = [r100(metric.sentence_score(p["hypothesis"], p["references"]).score)
                  for p in pairs]
        sentence.append({"options": chrf_options(options), "scores": scores})
    return corpus, sentence


def rouge_all(pairs):
    types = ["rouge1", "rouge2", "rougeL"]
    single = []
    for use_stemmer in (False, True):
        scorer = rouge_scorer.RougeScorer(types, use_stemmer=use_stemmer)
        results = [scorer.score(p["references"][0], p["hypothesis"]) for p in pairs]
        record = {"use_stemmer": use_stemmer,
                  "fmeasure": {t: [r1(s[t].fmeasure) for s in results] for t in types}}
        if not use_stemmer:  # precision and recall once, to keep the file small
            record["precision"] = {t: [r1(s[t].precision) for s in results] for t in types}
            record["recall"] = {t: [r1(s[t].recall) for s in results] for t in types}
        single.append(record)
    # score_multi on the pairs that have two references.
    multi_indices = [i for i, p in enumerate(pairs) if len(p["references"]) > 1]
    multi = []
    for use_stemmer in (False, True):
        scorer = rouge_scorer.RougeScorer(types, use_stemmer=use_stemmer)
        results = [scorer.score_multi(pairs[i]["references"], pairs[i]["hypothesis"])
                   for i in multi_indices]
        multi.append({
            "use_stemmer": use_stemmer, "pairs": multi_indices,
            "fmeasure": {t: [r1(s[t].fmeasure) for s in results] for t in types},
        })
    # rougeLsum on summaries of three consecutive pairs, sentences split by newlines.
    groups = [list(range(start, start + 3)) for start in range(0, len(pairs) - 2, 3)]
    lsum = []
    for use_stemmer in (False, True):
        scorer = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=use_stemmer)
        results = []
        for group in groups:
            target = "\n".join(pairs[i]["references"][0] for i in group)
            prediction = "\n".join(pairs[i]["hypothesis"] for i in reversed(group))
            s = scorer.score(target, prediction)["rougeLsum"]
            results.append([r1(s.precision), r1(s.recall), r1(s.fmeasure)])
        lsum.append({"use_stemmer": use_stemmer, "groups": groups,
                     "prediction_order": "reversed", "scores": results})
    return single, multi, lsum


STEMMER_WORDS = """
caresses ponies ties pies cats caress feed agreed plastered bled motoring sing
conflated troubled sized hopping tanned falling hissing fizzed failing filing happy
sky skies dying lying tying news innings inning outings canning howe proceed exceed
succeed relational conditional rational valenci hesitanci digitizer conformabli
radicalli differentli vileli analogousli vietnamization predication operator
feudalism decisiveness hopefulness callousness formaliti sensitiviti sensibiliti
triplicate formative formalize electriciti electrical hopeful goodness revival
allowance inference airliner gyroscopic adjustable defensible irritant replacement
adjustment dependent adoption homologou communism activate angulariti homologous
effective bowdlerize probate rate cease controll roll died tied cried spied enjoy
enjoyment spy fly try flies tried generously generalizations analogi biologi
hopefulli yyyy syzygy toy ivy trouble troubles private oaten orrery by y a is as
abilities generalization generalise agreement agreeing connections connecting
""".split()


def porter_words(pairs):
    stemmer = porter.PorterStemmer()
    words = set(STEMMER_WORDS)
    for p in pairs:
        for text in [p["hypothesis"]] + p["references"]:
            words.update(tokenize.tokenize(text, None))
    # Corpus words the stemmer changes, and all probe words (to keep the file small).
    words = sorted(w for w in words if w in STEMMER_WORDS or (len(w) > 3 and stemmer.stem(w) != w))
    return {"words": words, "stems": [stemmer.stem(w) for w in words]}


TOKENIZER_PROBES = [
    "Hello, world!", "It's 3.14, not 3,14.", "A.B,C", "1.000,50 €", "x-1 1-x 1-2",
    "&quot;q&quot; &amp;amp; &lt;b&gt;", "<skipped> gone", "end-\nof line", "a\nb",
    "(parens) [brackets] {braces}", "e-mail: a@b.c", "“curly” ‘single’ — dash",
    "¿Qué? ¡Sí!", "2½ + ½ = 3", "Ⅻ ① ²", "１２３.４５", "中文，标点。", "😀👍🏽🇫🇷",
    "e\u0301 vs \u00e9", "tab\tand\u00a0nbsp\u3000ideographic", "100%", "$5.00 £3 ¥7",
    "a--b", "...", "a...b", "1.", ".5", "x.", "word.", "Mr. Smith", "U.S.A.",
    "C++ and C#", "A/B test", "~tilde~ `tick` ^caret^ |pipe|", "it’s — ok",
    "snake_case and CamelCase", "ΟΔΟΣ", "İstanbul", "Straße ǅ", "K Å",
]

LOWERCASE_PROBES = [
    "ΟΔΟΣ", "ΟΔΟΣ.", "Σ", "ΑΣ ΣΑ", "ΑΣ'Σ", "Α.Σ", "ΣΊΣΥΦΟΣ", "İstanbul", "STRASSE Straße",
    "ǅungla ǈ ǋ", "K Å Ω", "ÀÉÎÕÜ", "ⅫⅣ", "ＡＢＣ", "Ϊ́", "ᾈ ᾯ", "ΌΣ",
]

ROUGE_PROBES = [
    "The quick brown fox!", "Running runners ran; they're runnin'.", "ÉLAN café naïve",
    "K-9 unit 42", "İstanbul and STRASSE", "hello_world foo-bar", "caresses ponies ties",
    "", "   ", "a b c d e", "Generalizations generously generalised",
]


def tokenizer_probes():
    out = {}
    for name in ("13a", "intl", "char", "none"):
        metric = BLEU(tokenize=name)
        out[name] = [metric.tokenizer(s.rstrip()) for s in TOKENIZER_PROBES]
    return out


def self_bleu_cases(pairs):
    def self_bleu(samples, max_order):
        metric = BLEU(effective_order=True, max_ngram_order=max_order)
        per = []
        for i, sample in enumerate(samples):
            others = samples[:i] + samples[i + 1:]
            per.append(metric.sentence_score(sample, others).score)
        return per

    rng = random.Random(SEED + 1)
    base = pairs[30]["references"][0]
    group = [make_hypothesis(base, rng, rng.randint(1, 4)) for _ in range(8)]
    cases = [
        ("first_40_hypotheses", [p["hypothesis"] for p in pairs[:40]], 4),
        ("group_of_8_edits", group, 4),
        ("group_of_8_edits_order_2", group, 2),
        ("with_empty_and_duplicate", group[:3] + ["", group[0]], 4),
    ]
    out = []
    for name, samples, order in cases:
        per = self_bleu(samples, order)
        record = {"name": name, "max_ngram_order": order,
                  "per_sample": [r100(x) for x in per], "mean": r100(sum(per) / len(per))}
        if name == "first_40_hypotheses":
            record["first_pair_hypotheses"] = 40   # the samples are pairs[0:40]
        else:
            record["samples"] = samples
        out.append(record)
    return out


def main():
    pairs = build_pairs()
    bleu_sentence, bleu_details = sentence_bleu(pairs)
    chrf_corpus, chrf_sentence = chrf_all(pairs)
    rouge_single, rouge_multi, rouge_lsum = rouge_all(pairs)
    rouge_tokens = {}
    for use_stemmer in (False, True):
        stemmer = porter.PorterStemmer() if use_stemmer else None
        rouge_tokens["stemmed" if use_stemmer else "plain"] = [
            tokenize.tokenize(s, stemmer) for s in ROUGE_PROBES]
    fixtures = {
        "generator": {
            "script": "make_metric_fixtures.py", "seed": SEED,
            "sacrebleu": sacrebleu.__version__, "rouge_score": "0.1.2",
            "nltk": nltk.__version__,
        },
        "pairs": pairs,
        "bleu_corpus": corpus_bleu(pairs),
        "bleu_sentence": bleu_sentence,
        "bleu_sentence_details": bleu_details,
        "chrf_corpus": chrf_corpus,
        "chrf_sentence": chrf_sentence,
        "rouge": rouge_single,
        "rouge_multi": rouge_multi,
        "rouge_lsum": rouge_lsum,
        "rouge_tokenizer": {"inputs": ROUGE_PROBES, **rouge_tokens},
        "porter": porter_words(pairs),
        "self_bleu": self_bleu_cases(pairs),
        "bleu_tokenizer": {"inputs": TOKENIZER_PROBES, **tokenizer_probes()},
        "lowercase": {"inputs": LOWERCASE_PROBES,
                      "outputs": [s.lower() for s in LOWERCASE_PROBES]},
    }
    text = json.dumps(fixtures, ensure_ascii=False, separators=(",", ":"))
    (HERE / "metric_fixtures.json").write_text(text + "\n", encoding="utf-8")
    print(f"{len(pairs)} pairs, {len(text.encode('utf-8'))} bytes")


if __name__ == "__main__":
    main()
