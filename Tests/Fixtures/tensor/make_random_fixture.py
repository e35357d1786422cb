#!/usr/bin/env python3
"""Reference outputs of xoshiro256** and SplitMix64, from the published algorithms
(Blackman & Vigna, https://prng.di.unimi.it/xoshiro256starstar.c and splitmix64.c),
written out here in Python. GenRL's RandomGenerator must produce the same words.

Usage: python3 make_random_fixture.py > random_fixture.json
"""
import json

MASK = (1 << 64) - 1


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def xoshiro_outputs(s, n):
    s = list(s)
    out = []
    for _ in range(n):
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        out.append(result)
    return out


def seeded_state(seed):
    state, words = seed, []
    for _ in range(4):
        state, z = splitmix64(state)
        words.append(z)
    return words


cases = []
for state in ([1, 2, 3, 4], seeded_state(0), seeded_state(42)):
    cases.append({"state": [str(w) for w in state], "outputs": [str(w) for w in xoshiro_outputs(state, 8)]})
print(json.dumps({"seeds": {"0": [str(w) for w in seeded_state(0)], "42": [str(w) for w in seeded_state(42)]},
                  "cases": cases}, indent=1))
