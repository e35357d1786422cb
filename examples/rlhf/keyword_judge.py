#!/usr/bin/env python3
"""An AI judge for GenRL's ExternalJudge: scores each completion of a comparison by how
many of the given keywords it contains. GenRL sends one comparison per request (the
prompt repeated once per completion) and prefers the completion with the higher score;
equal scores are a tie, and a null score means "abstain".

Protocol (one JSON object per line, see docs/external-rewards.md):
  request: {"batch": 0, "prompts": ["O ", "O "], "completions": ["grief and woe", "love and joy"]}
  answer:  {"batch": 0, "scores": [0, 2]}

Usage: python3 keyword_judge.py --keywords love,joy
A judge backed by a language model would put its prompt (and a constitution's
principle, passed as an argument) here instead of the keyword count.
"""
import argparse
import json
import re
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", required=True, help="comma-separated words that make a completion better")
    arguments = parser.parse_args()
    keywords = {word.strip().lower() for word in arguments.keywords.split(",") if word.strip()}
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        scores = []
        for completion in request["completions"]:
            words = re.findall(r"[a-z']+", completion.lower())
            scores.append(sum(1 for word in words if word in keywords))
        sys.stdout.write(json.dumps({"batch": request["batch"], "scores": scores}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
