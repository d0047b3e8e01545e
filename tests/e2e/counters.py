#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Per-forward and per-egress counters from `wgbastion show --json`
(docs/json.md), one line each, for the end-to-end test to assert on:

    forward NAME PACKETS BYTES      (or "forward NAME none" without a counter)
    egress NAME PACKETS BYTES
"""
import json
import sys


def main():
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    for kind, key in (("forward", "forwards"), ("egress", "egresses")):
        for obj in doc.get(key) or []:
            c = obj.get("counter")
            if isinstance(c, dict) and "packets" in c and "bytes" in c:
                print(f"{kind} {obj.get('name')} {c['packets']} {c['bytes']}")
            else:
                print(f"{kind} {obj.get('name')} none")


if __name__ == "__main__":
    main()
