#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""
Writes the hand-made hostile configs of tests/fuzz/regressions/ (hostile-*):
what the fuzzer, capped at 4 KiB inputs, never tries: 100k-entry lists,
lines of a mebibyte, NULs, control characters, brackets nested fifty
thousand deep, forty thousand peers. Deterministic: running it again
rewrites the same bytes.

    tests/fuzz/hostile.py [DIR]     (default: tests/fuzz/regressions)

Each must be parsed, or refused with one FILE:LINE message, quickly and
without a sanitizer report: tests/unit/test_fuzz_regress.c replays them.
Three of them once took from half a minute to a minute (pairwise duplicate
checks, without a sanitizer): list-100k-allowedips (54 s),
list-100k-addresses (28 s), peers-40k (about a minute; 14 s for 20k).
"""
import base64
import os
import random
import sys

HEAD = b"[Interface]\nPrivateKey = +L64UIpGdAT7RcGpp9kKAFTdi90v0HmXWGxe8i4XBFE=\n"
PEER = b"[Peer]\nPublicKey = PeIixQzVg/dRNmj2q10wvWkfY/Z4O0s/gSCdwte2k0M=\n"
MIB = 1 << 20
N = 100000


def ip(i, first=10):
    return b"%d.%d.%d.%d" % (first, i >> 16, (i >> 8) & 255, i & 255)


def hosts(n, first=10):
    return b", ".join(ip(i, first) + b"/32" for i in range(n))


def configs():
    rnd = random.Random(16)
    yield "list-100k-allowedips", HEAD + PEER + b"AllowedIPs = " + hosts(N) + b"\n"
    yield "list-100k-addresses", (HEAD + b"Address = " +
                                  b", ".join(ip(i) + b"/8" for i in range(N)) + b"\n" + PEER)
    yield "list-100k-allow", (HEAD + PEER + b"AllowedIPs = 10.0.0.0/8\n[Forward f]\nPort = 80\n"
                              b"Destination = 10.0.0.1\nAllow = " + hosts(N) + b"\n")
    yield "list-100k-source", (HEAD + PEER + b"AllowedIPs = 10.0.0.0/8\n[Egress e]\nSource = " +
                               hosts(N) + b"\nDeny = 11.0.0.0/8, 12.0.0.0/8\n")
    yield "list-100k-empty-elements", HEAD + PEER + b"AllowedIPs = " + b"," * N + b"\n"
    yield "peers-40k", HEAD + b"".join(
        b"[Peer]\nPublicKey = %s\nAllowedIPs = %s/32\n" %
        (base64.b64encode(rnd.randbytes(32)), ip(i)) for i in range(40000))
    yield "line-1mib-value", HEAD + PEER + b"AllowedIPs = " + b"1" * MIB + b"\n"
    yield "line-1mib-comment", HEAD + b"#" + b"x" * MIB + b"\n" + PEER
    yield "line-1mib-section-name", HEAD + b"[Forward " + b"a" * MIB + b"]\nPort = 1\n" + PEER
    yield "line-1mib-no-newline", HEAD + PEER + b"AllowedIPs = 10.0.0.0/8, " + b" " * MIB
    yield "nul-in-value", HEAD + PEER + b"AllowedIPs = 10.0.0.0/8\x00, 0.0.0.0/0\n"
    yield "nul-only", b"\x00" * 4096
    yield "control-chars", (HEAD + PEER + b"AllowedIPs = 10.0.0.0/8\x1b[2J\x1b]0;title\x07\r\x08\x7f\n" +
                            bytes(range(1, 32)) + b" = " + bytes(range(1, 32)) + b"\n")
    yield "nesting-brackets", (HEAD + PEER + b"AllowedIPs = 10.0.0.0/8\n[Forward f]\nPort = 80\n"
                               b"Destination = " + b"[" * 50000 + b"fd00::1" + b"]" * 50000 + b":80\n")
    yield "nesting-sections", HEAD + PEER + b"[" * N + b"Peer" + b"]" * N + b"\n"
    yield "lines-cr-only", (HEAD + PEER + b"AllowedIPs = 10.0.0.0/8\n").replace(b"\n", b"\r")
    yield "utf8-invalid", (HEAD + PEER + b"AllowedIPs = 10.0.0.0/8\n[Forward \xc0\xaf\xff\xfe\xed\xa0\x80]\n"
                           b"Port = 80\nDestination = 10.0.0.1\n")
    yield "number-overflow", (HEAD + b"ListenPort = " + b"9" * 4096 + b"\n" + PEER +
                              b"AllowedIPs = 10.0.0.0/8\n[Bastion]\nTable = -0\nMark = 0x" +
                              b"f" * 64 + b"/0x1\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "regressions")
    for name, data in configs():
        with open(os.path.join(out, "hostile-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
