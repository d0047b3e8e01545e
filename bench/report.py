#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turns bench/run.sh's raw samples into docs/performance.md.

    report.py RESULTS.tsv            the report, on stdout
    report.py --missed RESULTS.tsv   "OP SIZE" per target wgbastion missed
                                     (what run.sh profiles)

Every figure is the median of its samples, and says how many there were.
Nothing here invents a number: a figure without samples is shown as "not
measured" with the reason run.sh recorded, or "—" (not measured, see notes).
"""
import base64
import math
import os
import re
import statistics
import sys
from collections import defaultdict

SIZES_ORDER = ["homelab", "10", "1000", "10000", "50000", "0"]
OPS = ["cold", "noop", "change"]
OP_NAME = {"cold": "cold apply", "noop": "no-op apply", "change": "one-forward change",
           "cold0": "cold, wireguard-go started too"}
APPROACH_NAME = {
    "wgbastion": "wgbastion apply",
    "shell": "shell way (bastion.sh up)",
    "nft": "nft -f (same ruleset)",
    "nft-linear": "nft -f, one rule per forward",
    "nft-maps": "nft -f, map ruleset (docs/ruleset.md)",
    "nft-hash": "nft -f, hash sets and maps (no intervals)",
    "ipt": "iptables-restore (nft), one rule per forward",
    "true": "starting a process (/bin/true), for scale",
}
# targets (issue 8)
NOOP_MS, CHANGE_MS, COLD_MS, COLD_KIB, DP_RATIO = 2.0, 5.0, 50.0, 8 * 1024, 0.95
MAX_CHANGE_MSGS = 100	# "a handful", against 10,000+ for a reload


class Results:
    def __init__(self, path):
        self.info = {}
        self.notes = defaultdict(list)
        self.nm = []
        self.samples = defaultdict(list)	# (sec, approach, size, op, metric) -> [float]
        self.profiles = defaultdict(dict)	# (what, n) -> {kind: value}
        with open(path) as f:
            for line in f:
                row = line.rstrip("\n").split("\t")
                kind = row[0]
                if kind == "info" and len(row) >= 3:
                    self.info[row[1]] = row[2]
                elif kind == "note" and len(row) >= 3:
                    self.notes[row[1]].append(row[2])
                elif kind == "nm" and len(row) >= 6:
                    self.nm.append(tuple(row[1:6]))
                elif kind == "sample" and len(row) >= 7:
                    try:
                        self.samples[tuple(row[1:6])].append(float(row[6]))
                    except ValueError:
                        pass
                elif kind == "profile" and len(row) >= 5:
                    self.profiles[(row[1], row[2])][row[3]] = row[4]

    def get(self, sec, appr, size, op, metric):
        v = self.samples.get((sec, appr, str(size), op, metric))
        return (statistics.median(v), len(v), min(v), max(v)) if v else None

    def med(self, *k):
        g = self.get(*k)
        return g[0] if g else None

    def failed(self, sec, appr, size, op):
        return any(t.startswith("%s %s %s:" % (appr, size, op)) for t in self.notes.get(sec, []))

    def why(self, sec, appr, size, op):
        for s, a, n, o, reason in self.nm:
            if s == sec and a == appr and n in (str(size), "all") and o in (op, "all"):
                return reason
        for s, a, n, o, reason in self.nm:
            if s == sec and a == appr and n == "all":
                return reason
        return None


def fmt_ms(v):
    if v is None:
        return "—"
    if v < 10:
        return "%.2f ms" % v
    if v < 1000:
        return "%.1f ms" % v
    return "%.2f s" % (v / 1000)


def fmt_int(v):
    return "—" if v is None else "{:,}".format(int(round(v)))


def fmt_bytes(v):
    if v is None:
        return "—"
    if v < 10 * 1024:
        return "{:,} B".format(int(v))
    if v < 10 * 1024 * 1024:
        return "%.1f KiB" % (v / 1024)
    return "%.1f MiB" % (v / 1048576)


def fmt_kib(v):
    return "—" if v is None else "%.1f MiB" % (v / 1024)


def fmt_rate(v):
    return "—" if v is None else "{:,}".format(int(round(v)))


def ratio(this, wgb):
    """How many times wgbastion's figure this baseline's is."""
    if this is None or wgb is None or wgb == 0:
        return ""
    r = this / wgb
    return " (%.2g×)" % r if r < 100 else " ({:,}×)".format(int(round(r)))


def size_name(n):
    return "{:,}".format(int(n)) if n.isdigit() else n


class Doc:
    def __init__(self):
        self.out = []

    def p(self, *lines):
        self.out.extend(lines)

    def table(self, head, rows):
        self.out.append("| " + " | ".join(head) + " |")
        self.out.append("|" + "|".join("---" if i == 0 else "--:" for i in range(len(head))) + "|")
        for r in rows:
            self.out.append("| " + " | ".join(r) + " |")
        self.out.append("")


def cell_time(R, sec, appr, size, op, ref=None):
    g = R.get(sec, appr, size, op, "ms")
    if not g:
        if R.why(sec, appr, size, op):
            return "not measured"
        return "failed (notes)" if R.failed(sec, appr, size, op) else "—"
    s = fmt_ms(g[0])
    if ref is not None:
        s += ratio(g[0], ref)
    return s + " <sub>n=%d, %s–%s</sub>" % (g[1], fmt_ms(g[2]).replace(" ms", ""), fmt_ms(g[3]))


def sizes_of(R, sec):
    found = {k[2] for k in R.samples if k[0] == sec} | {n for s, _, n, _, _ in R.nm if s == sec and n != "all"}
    return [s for s in SIZES_ORDER if s in found]


def machine(R, d):
    i = R.info
    d.p("## The machine", "")
    rows = [("CPU", i.get("cpu", "?")), ("cores", i.get("cores", "?")), ("memory", i.get("memory", "?")),
            ("kernel", i.get("kernel", "?")), ("system", i.get("os", "?")),
            ("nftables", i.get("nft", "?")), ("iptables", i.get("iptables", "?")),
            ("wireguard-go", i.get("wireguard-go", "?")), ("compiler", i.get("cc", "?")),
            ("libraries", i.get("libs", "?")), ("wgbastion", i.get("wgbastion", "?")),
            ("commit", i.get("commit", "?")),
            ("load average", "%s at the start, %s at the end (1, 5, 15 min)" % (i.get("load_start", "?"), i.get("load_end", "?"))),
            ("bench", "%s mode, %s s in all, on %s" % (i.get("mode", "?"), i.get("duration_s", "?"), i.get("date", "?")))]
    d.table(["", ""], [(a, b.replace("|", "/")) for a, b in rows])
    d.p("The machine is shared (2 cores, other builds and tests running at the same",
        "time): absolute figures move from run to run, so every comparison is made",
        "between approaches measured in the same bench run, interleaved.", "")
    d.p("**Stages built into the measured binary:** %s. Not built in: %s. (Detected by"
        % (i.get("stages_present") or "none", i.get("stages_absent") or "none"),
        "applying the homelab config in a fresh namespace and looking for the tunnel's",
        "key, the `inet wgbastion-wg0` table, the fwmark rule and `ip_forward`.) A",
        "stage that is not built in is skipped by the executor, so its work is in no",
        "figure below.", "")


def targets(R, d):
    rows = []

    def row(name, value, ok, why=None):
        if value is None:
            rows.append((name, "not measured" + (": " + why if why else ""), "not measured"))
        else:
            rows.append((name, value, "met" if ok else "**missed**"))

    # no-op: zero kernel writes, under 2 ms
    for sec, size, label in (("homelab", "homelab", "homelab"), ("scale", "10000", "10,000 forwards")):
        w = [R.med(sec, "wgbastion", size, "noop", m) for m in ("writes", "sysctl_w", "uapi_set")]
        if None in w:
            row("no-op apply (%s): zero kernel writes" % label, None, False, R.why(sec, "wgbastion", size, "noop"))
        else:
            row("no-op apply (%s): zero kernel writes" % label,
                "%d netlink writes, %d sysctl writes, %d UAPI sets" % tuple(w), sum(w) == 0)
        t = R.med(sec, "wgbastion", size, "noop", "ms")
        shell = R.med("homelab", "shell", "homelab", "noop", "ms") if sec == "homelab" else None
        row("no-op apply (%s): under %g ms" % (label, NOOP_MS),
            None if t is None else fmt_ms(t) + (" (shell way: %s)" % fmt_ms(shell) if shell else ""),
            t is not None and t < NOOP_MS, R.why(sec, "wgbastion", size, "noop"))
    t = R.med("scale", "wgbastion", "10000", "change", "ms")
    row("one change among 10,000 forwards: under %g ms" % CHANGE_MS, None if t is None else fmt_ms(t),
        t is not None and t < CHANGE_MS, R.why("scale", "wgbastion", "10000", "change"))
    m = {n: R.med("scale", "wgbastion", n, "change", "msgs") for n in ("10", "1000", "10000", "50000")}
    m = {n: v for n, v in m.items() if v is not None}
    if "10000" not in m:
        row("one change: bounded number of messages", None, False, R.why("scale", "wgbastion", "10000", "change"))
    else:
        seen = ", ".join("%s at %s forwards" % (fmt_int(v), size_name(n)) for n, v in m.items())
        # bounded: a handful, and not growing with the number of forwards
        row("one change: bounded number of messages", "netlink messages (reads included): " + seen,
            m["10000"] <= MAX_CHANGE_MSGS and all(v <= min(m.values()) + 4 for v in m.values()))
    t = R.med("scale", "wgbastion", "10000", "cold", "ms")
    lin = R.med("scale", "nft-maps", "10000", "cold", "ms")
    row("cold apply of 10,000 forwards: under %g ms" % COLD_MS,
        None if t is None else fmt_ms(t) + (" (nft -f of the same map table: %s)" % fmt_ms(lin) if lin else ""),
        t is not None and t < COLD_MS, R.why("scale", "wgbastion", "10000", "cold"))
    k = R.med("scale", "wgbastion", "10000", "cold", "rss_kib")
    row("cold apply of 10,000 forwards: under 8 MiB peak RSS", None if k is None else fmt_kib(k),
        k is not None and k < COLD_KIB, R.why("scale", "wgbastion", "10000", "cold"))
    g1, _, _ = dp_stats(R, "dataplane", "wgbastion-1", "wgbastion-1", "tcp", "conn_s")
    g2, paired, ci = dp_stats(R, "dataplane", "wgbastion-10000", "wgbastion-1", "tcp", "conn_s")
    name = "connections/s at 10,000 forwards within 5% of 1 forward"
    if g1 is None or g2 is None or paired is None:
        row(name, None, False, "the data-plane rows for wgbastion are missing (see the notes)")
    else:
        # decided only when the interval is on one side of the line
        text = "%s vs %s; paired by round: %+.1f%%" % (fmt_rate(g2[0]), fmt_rate(g1[0]), 100 * (paired - 1))
        if ci:
            text += " (90%% interval %+.1f%% to %+.1f%%)" % (100 * (ci[0] - 1), 100 * (ci[1] - 1))
        if ci and ci[0] < DP_RATIO <= ci[1]:
            rows.append((name, text, "undecided: the machine's noise is wider than 5%"))
        else:
            row(name, text, (ci[0] if ci else paired) >= DP_RATIO)
    d.p("## Targets", "", "The design goals of issue 8, checked by this run (never by a timed unit test).", "")
    d.table(["goal", "measured (median)", ""], rows)
    return rows


def missed(R):
    """What to profile: (op, size) of the wgbastion targets missed."""
    out = []
    t = R.med("homelab", "wgbastion", "homelab", "noop", "ms")
    w = [R.med("homelab", "wgbastion", "homelab", "noop", m) for m in ("writes", "sysctl_w", "uapi_set")]
    if (t is not None and t >= NOOP_MS) or (None not in w and sum(w) > 0):
        out.append("noop homelab")
    t = R.med("scale", "wgbastion", "10000", "noop", "ms")
    if t is not None and t >= NOOP_MS:
        out.append("noop 10000")
    t = R.med("scale", "wgbastion", "10000", "change", "ms")
    if t is not None and t >= CHANGE_MS:
        out.append("change 10000")
    t = R.med("scale", "wgbastion", "10000", "cold", "ms")
    k = R.med("scale", "wgbastion", "10000", "cold", "rss_kib")
    if (t is not None and t >= COLD_MS) or (k is not None and k >= COLD_KIB):
        out.append("cold 10000")
    return out


def homelab(R, d):
    d.p("## Apply latency: the homelab example", "",
        "`examples/homelab.conf` (3 forwards, 1 egress, keys generated for the run).",
        "Wall time of the whole command, process start included, measured inside the",
        "bastion's namespace; median of n runs. *Cold*: a fresh namespace whose tunnel",
        "(an idle wireguard-go device) exists, nothing else; *no-op*: the same config",
        "again; *one change*: `https` sent to another port. (r×): that row's median",
        "is r times wgbastion's. Below each median: the number of runs, the fastest",
        "and the slowest.", "")
    appr = [a for a in ("wgbastion", "shell", "nft") if any(k[0] == "homelab" and k[1] == a for k in R.samples)
            or R.why("homelab", a, "homelab", "cold")]
    rows = []
    for a in appr:
        cells = [APPROACH_NAME[a]]
        for op in OPS + ["cold0"]:
            if op == "cold0" and a == "nft":
                cells.append("n/a")
                continue
            ref = R.med("homelab", "wgbastion", "homelab", op, "ms") if a != "wgbastion" else None
            cells.append(cell_time(R, "homelab", a, "homelab", op, ref))
        rows.append(cells)
    d.table(["", "cold", "no-op", "one change", "cold, starting wireguard-go"], rows)
    g = R.get("homelab", "true", "homelab", "start", "ms")
    t = R.get("homelab", "true", "homelab", "start_gnutime", "ms")
    if g:
        d.p("For scale: starting any process here (`/bin/true`, timed the same way in the",
            "same runs) took %s (median of %d, %s–%s)%s." % (
                fmt_ms(g[0]), g[1], fmt_ms(g[2]), fmt_ms(g[3]),
                "; through GNU time, as the scale section times its applies, %s" % fmt_ms(t[0]) if t else ""), "")
    for a in appr:
        r = R.why("homelab", a, "homelab", "cold")
        if r:
            d.p("- %s: not measured: %s" % (APPROACH_NAME[a], r))
    d.p("", "What each sent to the kernel (bench/nlcount.so, summed over every process",
        "the approach ran; one run, the counts do not vary) and its peak RSS (GNU time,",
        "median of the runs; for the shell way, its largest process):", "")
    rows = []
    for a in appr:
        for op in OPS:
            msgs = R.med("homelab", a, "homelab", op, "msgs")
            if msgs is None:
                continue
            rows.append([APPROACH_NAME[a], OP_NAME[op], fmt_int(msgs),
                         fmt_int(R.med("homelab", a, "homelab", op, "writes")),
                         fmt_bytes(R.med("homelab", a, "homelab", op, "bytes")),
                         fmt_int(R.med("homelab", a, "homelab", op, "calls")),
                         fmt_int(R.med("homelab", a, "homelab", op, "sysctl_w")),
                         "%s / %s" % (fmt_int(R.med("homelab", a, "homelab", op, "uapi")),
                                      fmt_int(R.med("homelab", a, "homelab", op, "uapi_set"))),
                         fmt_kib(R.med("homelab", a, "homelab", op, "rss_kib"))])
    d.table(["", "", "netlink messages", "of which writes", "bytes", "send calls",
             "sysctl writes", "UAPI connects / sets", "peak RSS"], rows)


def scale(R, d):
    sizes = [s for s in sizes_of(R, "scale")]
    if not sizes:
        return
    appr = [a for a in ("wgbastion", "nft-linear", "nft-maps", "nft-hash", "ipt")
            if any(k[0] == "scale" and k[1] == a for k in R.samples) or any(
                s == "scale" and x == a for s, x, _, _, _ in R.nm)]
    d.p("## Scale: 10 to 50,000 forwards", "",
        "A synthetic instance with N TCP forwards (bench/gen.py: each its own public",
        "port and destination, one peer, one egress). wgbastion applies the config; the",
        "baselines load the same forwards as a ruleset file that replaces the whole",
        "table atomically, as they are used today. They have no way to tell what",
        "changed, so their *no-op* and *one change* reload everything. (r×): that",
        "row's median is r times wgbastion's. n is the number of runs behind the",
        "median (fewer when a figure is slow: each has a time budget), then the",
        "fastest and the slowest. The applies are timed through GNU time, which takes",
        "their peak RSS in the same run (its own start is given under the homelab",
        "table).", "")
    d.p("- nft -f, one rule per forward: the reference bastion's ruleset (bench/reference/bastion.sh;"
        " checked identical to `bastion.sh print` at 10 forwards: %s)" % R.info.get("linear_is_reference", "not checked"),
        "- nft -f, map ruleset: docs/ruleset.md's table (per family and protocol, interval sets and maps"
        " keyed by port, a named counter per forward): the table wgbastion builds, loaded by nft"
        " (checked to list the same objects, elements and rules as wgbastion's own at 10 forwards: %s)"
        % R.info.get("maps_is_wgbastion", "not checked"),
        "- nft -f, hash sets and maps: a similar table with exact-match (hash) sets keyed by protocol . port"
        " instead of interval ones, no per-client Allow: the lower bound of a map design",
        "- iptables-restore: iptables-nft, one DNAT rule per forward in the nat table", "")
    for op in OPS:
        d.p("### %s: wall time" % OP_NAME[op].capitalize(), "")
        rows = []
        for a in appr:
            cells = [APPROACH_NAME[a]]
            for n in sizes:
                ref = R.med("scale", "wgbastion", n, op, "ms") if a != "wgbastion" else None
                cells.append(cell_time(R, "scale", a, n, op, ref))
            rows.append(cells)
        d.table(["forwards"] + [size_name(n) for n in sizes], rows)
    for op in OPS:
        d.p("### %s: netlink messages sent (bytes)" % OP_NAME[op].capitalize(), "")
        rows = []
        for a in appr:
            cells = [APPROACH_NAME[a]]
            for n in sizes:
                m = R.med("scale", a, n, op, "msgs")
                b = R.med("scale", a, n, op, "bytes")
                if m is None:
                    cells.append("not measured" if R.why("scale", a, n, op) else "—")
                    continue
                ref = R.med("scale", "wgbastion", n, op, "msgs") if a != "wgbastion" else None
                cells.append("%s%s, %s" % (fmt_int(m), ratio(m, ref), fmt_bytes(b)))
            rows.append(cells)
        d.table(["forwards"] + [size_name(n) for n in sizes], rows)
    d.p("### Peak RSS (cold / no-op / one change)", "")
    rows = []
    for a in appr:
        cells = [APPROACH_NAME[a]]
        for n in sizes:
            v = [R.med("scale", a, n, op, "rss_kib") for op in OPS]
            if all(x is None for x in v):
                cells.append("not measured" if R.why("scale", a, n, "cold") else "—")
                continue
            ref = R.med("scale", "wgbastion", n, "cold", "rss_kib") if a != "wgbastion" else None
            cells.append(" / ".join("%.1f" % (x / 1024) if x is not None else "—" for x in v)
                         + " MiB" + ratio(v[0], ref))
        rows.append(cells)
    d.table(["forwards"] + [size_name(n) for n in sizes], rows)
    reasons = sorted({(a, n, r) for s, a, n, o, r in R.nm if s == "scale"})
    if reasons:
        d.p("Not measured:", "")
        for a, n, r in reasons:
            d.p("- %s at %s: %s" % (APPROACH_NAME.get(a, a), size_name(n) if n != "all" else "any size", r))
        d.p("")


def dp_rounds(R, sec, label, proto, metric):
    """{round: value} of one data-plane variant."""
    return {int(k[2]): v[0] for k, v in R.samples.items()
            if k[0] == sec and k[1] == label and k[3] == proto and k[4] == metric and v}


def median_interval(x, level=0.90):
    """A distribution-free interval for the median of x: the order
    statistics x(k) and x(n+1-k) with the largest k whose coverage,
    1 - 2 P(Binomial(n, 1/2) < k), is at least level. None when n is too
    small for any."""
    x = sorted(x)
    n = len(x)
    best = None
    for k in range(1, n // 2 + 1):
        below = sum(math.comb(n, i) for i in range(k)) / 2 ** n
        if 1 - 2 * below >= level:
            best = (x[k - 1], x[n - k])
    return best


def dp_stats(R, sec, label, base, proto, metric):
    """(median, n, min, max) of a variant, and the median over the rounds of
    its value divided by the base variant's in the same round (paired, so
    that the machine's busy and quiet moments cancel out), with its 90%
    interval."""
    v = dp_rounds(R, sec, label, proto, metric)
    if not v:
        return None, None, None
    b = dp_rounds(R, sec, base, proto, metric)
    pairs = [v[r] / b[r] for r in v if r in b and b[r] > 0]
    x = list(v.values())
    return ((statistics.median(x), len(x), min(x), max(x)),
            statistics.median(pairs) if pairs else None,
            median_interval(pairs) if pairs else None)


def dp_table(R, d, sec, labels, base):
    rows = []
    for lab, name in labels:
        cells = [name]
        for proto, metric in (("tcp", "conn_s"), ("udp", "pkt_s")):
            g, paired, ci = dp_stats(R, sec, lab, base, proto, metric)
            if not g:
                cells += ["—", ""]
                continue
            cells.append("%s <sub>n=%d, %s–%s</sub>" % (fmt_rate(g[0]), g[1], fmt_rate(g[2]), fmt_rate(g[3])))
            cells.append("" if lab == base or paired is None else "%+.1f%%%s" % (
                100 * (paired - 1), " <sub>%+.0f…%+.0f%%</sub>" % (100 * (ci[0] - 1), 100 * (ci[1] - 1)) if ci else ""))
        rows.append(cells)
    d.table(["", "new TCP connections/s", "vs 1 forward (paired)", "UDP packets/s",
             "vs 1 forward (paired)"], rows)


def dataplane(R, d):
    i = R.info
    have = any(k[0] == "dataplane" for k in R.samples)
    have_t = any(k[0] == "tunnel" for k in R.samples)
    if not have and not have_t and not R.notes.get("dataplane") and not [x for x in R.nm if x[0] == "tunnel"]:
        return
    d.p("## Data plane: what the ruleset costs per connection and per packet", "",
        "client → bastion (the ruleset under test) → backend, each in its own",
        "namespace; the forward measured is TCP and UDP port 9999, *listed last*",
        "(so linear rules walk all the others first). bench/loadgen.c: *new TCP",
        "connections/s* keeps 32 connections in flight, each connect, one-byte request,",
        "one-byte answer, close with RST (netperf's TCP_CRR; the NAT chains see every",
        "one); *UDP packets/s* is what the backend received of 64-byte datagrams sent",
        "as fast as possible from 16 source ports (established flows: nftables NAT",
        "chains see only the first packet of each, so this measures the per-packet",
        "filter path). %s s per run, in rounds that run every variant once, one after"
        % i.get("dp_secs", "?"),
        "the other; median of n rounds, with the spread. *vs 1 forward* is the median",
        "over the rounds of the ratio to the 1-forward variant of the same round, so",
        "that a busy moment of the machine, which hits both, cancels out; below it, a",
        "90% interval for that median (distribution-free, from the rounds' order",
        "statistics). A target is called met or missed only when its interval is on",
        "one side of the line.", "")
    if have:
        d.p("### On veth (no WireGuard in the path)", "",
            "wgbastion applies its config for real (wireguard-go tunnel), then the tunnel is",
            "replaced by a veth of the same name, so the table, the fwmark rule and the",
            "sysctls it set are what the packets meet. The linear baseline is the",
            "reference bastion's ruleset with its rule, route and sysctls.", "")
        labels = [(k, n) for k, n in (("wgbastion-1", "wgbastion, 1 forward"),
                                      ("wgbastion-10000", "wgbastion, 10,000 forwards"),
                                      ("maps-1", "map ruleset (nft -f), 1 forward"),
                                      ("maps-10000", "map ruleset (nft -f), 10,000 forwards"),
                                      ("linear-10000", "10,000 linear nft rules"))
                  if any(x[0] == "dataplane" and x[1] == k for x in R.samples)]
        base = "wgbastion-1" if any(x[1] == "wgbastion-1" for x in R.samples) else "maps-1"
        dp_table(R, d, "dataplane", labels, base)
    if have_t:
        d.p("### Through a real tunnel (wireguard-go on both sides)", "",
            "The backend is the far side of the tunnel (SPEC.md's appendix: policy rules",
            "send the LAN's replies back into it); wireguard-go's userspace crypto is the",
            "bottleneck here, so this shows the ruleset's share of a real path.", "")
        dp_table(R, d, "tunnel", [("wgbastion-1", "wgbastion, 1 forward"),
                                  ("wgbastion-10000", "wgbastion, 10,000 forwards")], "wgbastion-1")
    for s, a, n, o, r in R.nm:
        if s in ("tunnel", "dataplane"):
            d.p("- %s: not measured: %s" % ("through the tunnel" if s == "tunnel" else "on veth", r))
    d.p("")


def counting(R, d):
    i = R.info
    d.p("## How the kernel messages were counted", "",
        "bench/nlcount.so is preloaded into the approach and every program it starts; it",
        "wraps the libc calls that send (send, sendto, sendmsg, write, writev), walks",
        "every netlink buffer message by message, and sorts each message into a read",
        "(GET, dump, generation id), framing (batch begin/end) or a write (NEW, DEL,",
        "SET). It also counts opening a /proc/sys file for writing (a sysctl write) and",
        "the userspace WireGuard UAPI socket: connections, and `set=1` requests sent",
        "with send()/write(). What it cannot see: raw syscalls (wireguard-go's own",
        "netlink; it is Go), libc-internal netlink (getaddrinfo), and stdio writes on a",
        "UAPI socket (wg(8) `syncconf` uses fprintf: counted as a connection, not a set).",
        "")
    if "strace_calls" in i:
        same = i["strace_calls"] == i["shim_calls"] and i["strace_bytes"] == i["shim_bytes"]
        d.p("Checked in this run against `strace -f -e trace=sendmsg,sendto -e verbose=none`",
            "on a cold wgbastion apply of the homelab config: strace saw %s netlink send"
            % i["strace_calls"],
            "calls carrying %s bytes, the shim %s calls and %s bytes: %s." % (
                i["strace_bytes"], i["shim_calls"], i["shim_bytes"],
                "identical" if same else "**they differ**"), "")


def clean_perf(txt, top=20):
    return [ln.strip() for ln in txt.splitlines() if ln.strip()][:top]


def clean_callgrind(txt, top=14, inclusive=False):
    """callgrind_annotate's table without its header, the start-up frames
    every program has, and build directories. In the inclusive table, the
    entries of a recursion level (name'2) go too: callgrind counts a
    recursive call chain there more than once."""
    lines = txt.splitlines()
    for i, ln in enumerate(lines):
        if ln.rstrip().endswith("file:function"):
            lines = lines[i + 1:]
            break
    skip = ("(below main)", "libc-start.c", "libc_start_call_main", "ld-linux-x86-64.so.2]", "PROGRAM TOTALS")
    out, seen = [], set()
    for ln in lines:
        if not ln.strip() or ln.startswith("--") or any(k in ln for k in skip):
            continue
        if inclusive and re.search(r"'\d+( |$)", ln):
            continue
        ln = re.sub(r" \[[^]]*/([^/\]]+)\]$", r" [\1]", ln)	# [/usr/lib/.../libc.so.6] -> [libc.so.6]
        ln = re.sub(r"(\s)\S*/((?:src|stdio-common|libio|stdlib|string|malloc|elf)/[^:/]+:)", r"\1\2", ln)
        # a function is listed once per object when inlined: keep the first
        key = re.sub(r" \[[^]]*\]$", "", ln.split(")", 1)[-1]).strip()
        if key in seen:
            continue
        seen.add(key)
        out.append(ln.rstrip()[:140])
        if len(out) >= top:
            break
    return out


def profiles(R, d):
    if not R.profiles:
        return
    d.p("## Profiles of the missed targets", "",
        "For each target missed above, the same apply again from the same state: GNU",
        "time's split of wall time into user and system (kernel) CPU; `perf record -g`",
        "(the no-op repeated 20 times, the change made 20 times, for enough samples),",
        "the kernel's functions included; then `valgrind",
        "--tool=callgrind`, which counts the instructions each function executes in",
        "user space (repeatable, unlike a sampling profile on a shared machine; the",
        "kernel's work is not in its counts).", "")
    for (what, n), p in sorted(R.profiles.items()):
        d.p("### %s, %s" % (OP_NAME.get(what, what), "homelab" if n == "homelab" else size_name(n) + " forwards"), "")
        if "time" in p:
            e, u, s, m = (p["time"].split() + ["?"] * 4)[:4]
            d.p("wall %s s, user %s s, system %s s, peak RSS %s KiB." % (e, u, s, m), "")
        for kind, title in (("perf", "perf record -g: share of samples in each function and what it calls"
                             " (children), then in the function itself (self); [k] kernel, [.] user space"),
                            ("callgrind_self", "callgrind, instructions by function (self)"),
                            ("callgrind_incl", "callgrind, instructions by function (inclusive)")):
            if kind in p:
                txt = base64.b64decode(p[kind]).decode(errors="replace")
                lines = clean_perf(txt) if kind == "perf" else clean_callgrind(txt, inclusive=kind == "callgrind_incl")
                d.p("%s:" % title, "", "```")
                d.p(*lines)
                d.p("```", "")


def notes(R, d):
    seen = {}
    for s, ts in R.notes.items():
        for t in ts:
            k = (s, t.strip())
            seen[k] = seen.get(k, 0) + 1
    if not seen:
        return
    d.p("## Notes from this run", "")
    for (s, t), c in seen.items():
        d.p("- %s: %s%s" % (s, t.replace("|", "/"), " (%d times)" % c if c > 1 else ""))
    d.p("")


def main():
    args = sys.argv[1:]
    if args and args[0] == "--missed":
        R = Results(args[1])
        print("\n".join(missed(R)))
        return
    R = Results(args[0])
    i = R.info
    d = Doc()
    d.p("# Performance", "",
        "Written by `make bench` (bench/run.sh) on the machine described below; not",
        "edited by hand. %s mode: %s timed runs per figure (homelab: %s; peak RSS:"
        % (i.get("mode", "?").capitalize(), i.get("runs", "?"), i.get("hruns", "?")),
        "%s), unless a figure says fewer (n). `BENCH_QUICK=1 make bench` is the short"
        % i.get("rss_runs", "?"),
        "version.", "")
    machine(R, d)
    targets(R, d)
    homelab(R, d)
    scale(R, d)
    dataplane(R, d)
    profiles(R, d)
    here = os.path.dirname(os.path.abspath(__file__))
    analysis = os.path.join(here, "analysis.md")
    if os.path.exists(analysis):
        d.p("## Analysis", "")
        d.p(open(analysis).read().rstrip(), "")
    counting(R, d)
    notes(R, d)
    print("\n".join(d.out))


if __name__ == "__main__":
    main()
