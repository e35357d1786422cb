#!/usr/bin/env python3
"""Example GenRL external scorer: the fraction of keywords each completion mentions.

GenRL's ExternalScorer starts this program once and keeps it running. It writes one
request per line on standard input and expects exactly one answer line on standard
output for each request (see docs/external-rewards.md):

    request: {"batch": 0, "prompts": ["..."], "completions": ["..."]}
    answer:  {"batch": 0, "scores": [0.5, null]}

The score of a completion is the number of distinct keywords that occur in it as whole
words, ignoring case, divided by the number of keywords: with the keywords "cat,dog",
"A cat met a dog." scores 1.0, "Cats!" scores 0.0 (not the word "cat"), "CAT" scores
0.5. A completion that is not a string gets null ("no score").

Usage:
    python3 keyword_scorer.py --keywords cat,dog
    python3 keyword_scorer.py --keywords-file keywords.txt   (one keyword per line)

Rules every scorer should follow, whatever its language:
  * standard output carries answers only; logs go to standard error;
  * flush standard output after every answer (Python buffers it when it is a pipe);
  * answer with the batch number of the request and one score per completion;
  * write null, never NaN or Infinity (they are not JSON);
  * exit when standard input ends.
Only the Python standard library is used.
"""

import argparse
import json
import re
import sys


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--keywords", help="comma-separated keywords")
    source.add_argument("--keywords-file", help="file with one keyword per line")
    return parser.parse_args()


def load_keywords(arguments):
    if arguments.keywords is not None:
        raw = arguments.keywords.split(",")
    else:
        with open(arguments.keywords_file, encoding="utf-8") as handle:
            raw = handle.read().splitlines()
    keywords = sorted({word.strip().lower() for word in raw if word.strip()})
    if not keywords:
        sys.exit("keyword_scorer: no keywords given")
    return keywords


def make_scorer(keywords):
    patterns = [re.compile(r"\b" + re.escape(word) + r"\b", re.IGNORECASE) for word in keywords]

    def score(completion):
        if not isinstance(completion, str):
            return None
        found = sum(1 for pattern in patterns if pattern.search(completion))
        return found / len(patterns)

    return score


def log(message):
    print(f"keyword_scorer: {message}", file=sys.stderr, flush=True)


def main():
    keywords = load_keywords(parse_arguments())
    score = make_scorer(keywords)
    log(f"ready, {len(keywords)} keywords")
    # One request at a time: GenRL sends the next request only after reading the answer.
    while True:
        line = sys.stdin.readline()
        if not line:
            break  # end of input: GenRL is closing the scorer
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            batch = request["batch"]
            completions = request["completions"]
        except (ValueError, KeyError, TypeError) as error:
            # Without a batch number there is no valid answer; GenRL will time out and
            # restart the scorer. Say why on standard error.
            log(f"unreadable request ({error}): {line[:200]!r}")
            continue
        scores = []
        for index, completion in enumerate(completions):
            try:
                scores.append(score(completion))
            except Exception as error:  # one bad sample must not stop the scorer
                log(f"batch {batch}, completion {index}: {error}")
                scores.append(None)
        answer = json.dumps({"batch": batch, "scores": scores}, allow_nan=False)
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()
    log("end of input, exiting")


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        sys.exit(0)
