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
    "floor": "floor: bench/floor.c, the least a program can do",
    "check": "wgbastion check (validates, touches nothing)",
}
# targets (issue 13): ratios between figures measured side by side
NOOP_VS_10, NOOP_VS_TRUE, CHANGE_VS_10, COLD_VS_FLOOR, COLD_NFT_FASTER, CHECK_VS_TRUE = 1.2, 2.5, 1.5, 1.5, 5.0, 3.0
COLD_KIB = 8 * 1024
MAX_CHANGE_MSGS = 100	# "a handful", against 10,000+ for a reload
# earlier goals (issue 8): absolute times, kept for reference
NOOP_MS, CHANGE_MS, COLD_MS, DP_RATIO = 2.0, 5.0, 50.0, 0.95


class Results:
    def __init__(self, path):
        self.info = {}
        self.notes = defaultdict(list)
        self.nm = []
        self.samples = defaultdict(list)	# (sec, approach, size, op, metric) -> [float]
        self.rounds = defaultdict(dict)		# the same key -> {round: float}, when it has one
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
                        continue
                    if len(row) >= 8 and row[7]:
                        self.rounds[tuple(row[1:6])][row[7]] = float(row[6])
                elif kind == "profile" and len(row) >= 5:
                    self.profiles[(row[1], row[2])][row[3]] = row[4]

    def get(self, sec, appr, size, op, metric):
        v = self.samples.get((sec, appr, str(size), op, metric))
        return (statistics.median(v), len(v), min(v), max(v)) if v else None

    def med(self, *k):
        g = self.get(*k)
        return g[0] if g else None

    def paired(self, a, b):
        """a's value divided by b's, for each round both were measured in
        (a and b: (sec, approach, size, op, metric))."""
        x, y = self.rounds.get(tuple(map(str, a)), {}), self.rounds.get(tuple(map(str, b)), {})
        return [x[r] / y[r] for r in sorted(x) if r in y and y[r] > 0]

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


def fmt_x(r):
    return "—" if r is None else ("%.2f×" % r if r < 10 else "%.1f×" % r)


def fmt_med(g, fmt):
    """A median with its number of samples."""
    return "—" if not g else "%s <sub>n=%d</sub>" % (fmt(g[0]), g[1])


def ratio_target(R, a, b, limit, at_most=True):
    """The ratio of figure a to figure b (each (sec, approach, size, op,
    metric)) against limit: (median of a, median of b, ratio text, verdict).
    The ratio is the median over the rounds of a / b in that round (paired:
    a busy moment of the machine hits both); the verdict is met or missed
    only when a 90% interval for that median, or with fewer than 5 rounds
    their whole range, is on one side of the limit, else undecided. Without
    rounds (results of an older run.sh), the ratio of the medians decides."""
    ga, gb = R.get(*a), R.get(*b)
    if not ga or not gb:
        return ga, gb, None, None
    pairs = R.paired(a, b)
    if pairs:
        r = statistics.median(pairs)
        ci = median_interval(pairs)
        lo, hi = ci if ci else (min(pairs), max(pairs))
        spread = "%s in %d rounds" % ("90%% interval %s–%s" % (fmt_x(lo), fmt_x(hi)) if ci
                                      else "%s–%s" % (fmt_x(lo), fmt_x(hi)) if len(pairs) > 1 else "one round",
                                      len(pairs))
    else:
        r = ga[0] / gb[0] if gb[0] else None
        lo = hi = r
        spread = "ratio of the medians"
    if r is None:
        return ga, gb, None, None
    good = (lambda v: v <= limit) if at_most else (lambda v: v >= limit)
    if good(lo) and good(hi):
        verdict = "met"
    elif not good(lo) and not good(hi):
        verdict = "**missed**"
    else:
        verdict = "undecided: the rounds fall on both sides of %g×" % limit
    return ga, gb, "%s <sub>%s</sub>" % (fmt_x(r), spread), verdict


def issue13(R):
    """Issue 13's targets: [(what, (op, size) to profile when missed or None,
    measured, against, ratio, verdict)]; verdict None: not measured (then
    measured holds the reason, when known)."""
    rows = []
    T, REF = "10000", "10"

    def wgb(op, size=T, metric="ms"):
        return ("scale", "wgbastion", size, op, metric)

    true_ = ("scale", "true", T, "start", "ms")
    ratios = (
        ("no-op apply, 10,000 forwards vs 10 forwards: ≤ %g×" % NOOP_VS_10, ("noop", T),
         wgb("noop"), wgb("noop", REF), NOOP_VS_10, True),
        ("no-op apply, 10,000 forwards vs `/bin/true`: ≤ %g×" % NOOP_VS_TRUE, ("noop", T),
         wgb("noop"), true_, NOOP_VS_TRUE, True),
        ("one change among 10,000 forwards vs among 10: ≤ %g×" % CHANGE_VS_10, ("change", T),
         wgb("change"), wgb("change", REF), CHANGE_VS_10, True),
        ("cold apply of 10,000 forwards vs floor (bench/floor.c, %s): ≤ %g×"
         % ("same table" if R.info.get("floor_is_wgbastion") == "yes"
            else "not wgbastion's table: see below", COLD_VS_FLOOR),
         ("cold", T), wgb("cold"), ("scale", "floor", T, "cold", "ms"), COLD_VS_FLOOR, True),
        # the other way round: how many times wgbastion's time nft's is
        ("cold apply of 10,000 forwards vs `nft -f` of the same ruleset: ≥ %g× faster" % COLD_NFT_FASTER,
         ("cold", T), ("scale", "nft-maps", T, "cold", "ms"), wgb("cold"), COLD_NFT_FASTER, False),
    )
    for name, prof, a, b, limit, at_most in ratios:
        ga, gb, rt, verdict = ratio_target(R, a, b, limit, at_most)
        if verdict is None:
            why = R.why(*a[:4]) or R.why(*b[:4])
            rows.append((name, prof, fmt_med(ga, fmt_ms), fmt_med(gb, fmt_ms),
                         "not measured" + (": " + why if why else ""), None))
            continue
        # the faster-than row shows wgbastion's figure first, as the others
        rows.append((name, prof, fmt_med(gb if not at_most else ga, fmt_ms),
                     fmt_med(ga if not at_most else gb, fmt_ms), rt, verdict))
    k = R.get(*wgb("cold", metric="rss_kib"))
    name = "cold apply of 10,000 forwards: peak RSS ≤ %g MiB" % (COLD_KIB / 1024)
    if not k:
        rows.append((name, ("cold", T), "—", "", "not measured", None))
    else:
        rows.append((name, ("cold", T), fmt_med(k, fmt_kib), "", "",
                     "met" if k[0] <= COLD_KIB else "**missed**"))
    ga, gb, rt, verdict = ratio_target(R, ("scale", "check", T, "check", "ms"), true_, CHECK_VS_TRUE)
    name = "`check` of 10,000 forwards vs `/bin/true`: ≤ %g×" % CHECK_VS_TRUE
    rows.append((name, None, fmt_med(ga, fmt_ms), fmt_med(gb, fmt_ms), rt or "not measured", verdict))
    # kept from issue 8: a no-op writes nothing, a change sends a handful
    for sec, size, label in (("homelab", "homelab", "homelab"), ("scale", T, "10,000 forwards")):
        w = [R.med(sec, "wgbastion", size, "noop", m) for m in ("writes", "sysctl_w", "uapi_set")]
        name = "no-op apply (%s): zero kernel writes" % label
        if None in w:
            why = R.why(sec, "wgbastion", size, "noop")
            rows.append((name, None, "—", "", "not measured" + (": " + why if why else ""), None))
        else:
            rows.append((name, ("noop", size), "%d netlink writes, %d sysctl writes, %d UAPI sets" % tuple(w),
                         "", "", "met" if sum(w) == 0 else "**missed**"))
    m = {n: R.med("scale", "wgbastion", n, "change", "msgs") for n in ("10", "1000", "10000", "50000")}
    m = {n: v for n, v in m.items() if v is not None}
    name = "one change: a bounded number of netlink messages"
    if T not in m:
        why = R.why("scale", "wgbastion", T, "change")
        rows.append((name, None, "—", "", "not measured" + (": " + why if why else ""), None))
    else:
        seen = ", ".join("%s at %s forwards" % (fmt_int(v), size_name(n)) for n, v in m.items())
        # bounded: a handful, and not growing with the number of forwards
        ok = m[T] <= MAX_CHANGE_MSGS and all(v <= min(m.values()) + 4 for v in m.values())
        rows.append((name, ("change", T), "messages (reads included): " + seen, "", "",
                     "met" if ok else "**missed**"))
    return rows


def earlier_goals(R):
    """Issue 8's absolute goals, for reference: [(goal, measured, verdict)]."""
    rows = []

    def row(name, value, ok, why=None):
        if value is None:
            rows.append((name, "not measured" + (": " + why if why else ""), "not measured"))
        else:
            rows.append((name, value, "met" if ok else "missed"))

    for sec, size, label in (("homelab", "homelab", "homelab"), ("scale", "10000", "10,000 forwards")):
        t = R.med(sec, "wgbastion", size, "noop", "ms")
        shell = R.med("homelab", "shell", "homelab", "noop", "ms") if sec == "homelab" else None
        row("no-op apply (%s): under %g ms" % (label, NOOP_MS),
            None if t is None else fmt_ms(t) + (" (shell way: %s)" % fmt_ms(shell) if shell else ""),
            t is not None and t < NOOP_MS, R.why(sec, "wgbastion", size, "noop"))
    t = R.med("scale", "wgbastion", "10000", "change", "ms")
    row("one change among 10,000 forwards: under %g ms" % CHANGE_MS, None if t is None else fmt_ms(t),
        t is not None and t < CHANGE_MS, R.why("scale", "wgbastion", "10000", "change"))
    t = R.med("scale", "wgbastion", "10000", "cold", "ms")
    row("cold apply of 10,000 forwards: under %g ms" % COLD_MS, None if t is None else fmt_ms(t),
        t is not None and t < COLD_MS, R.why("scale", "wgbastion", "10000", "cold"))
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
    return rows


def targets(R, d):
    i = R.info
    rows = issue13(R)
    d.p("## Targets (issue 13)", "",
        "Issue 13's targets, checked by this run (never by a timed unit test). The",
        "machine is shared and noisy, so each is a ratio between two figures measured",
        "side by side: in the same rounds of the scale section, each round running one",
        "pass of every figure in a fresh namespace, all timed the same way (wall time",
        "of the whole process through GNU time, which takes the peak RSS too; `/bin/true`",
        "is timed through it as well). *Ratio*: the median over the rounds of the",
        "first figure divided by the second in the same round; below it, a 90%",
        "interval for that median (distribution-free, from the rounds' order",
        "statistics) with 5 rounds or more, else the range of the rounds. A target is",
        "called met or missed only when that interval or range is on one side of the",
        "line, else undecided.", "",
        "The floor is bench/floor.c (`floor %s N`): wgbastion's table for the same"
        % i.get("floor_flags", "-c named -a last"),
        "forwards built with libnftnl straight from N and committed in one batch with",
        "one ack, nothing parsed, read back or compared (checked to list as wgbastion's",
        "own at 10 forwards: %s). wgbastion's cold apply also does the other stages"
        % i.get("floor_is_wgbastion", "not checked"),
        "built in (%s): the tunnel's key and peer, the policy rule and route, the"
        % (i.get("stages_present") or "none"),
        "sysctls. `nft -f` loads gen.py's map ruleset (checked to list as wgbastion's",
        "own at 10 forwards: %s)." % i.get("maps_is_wgbastion", "not checked"), "")
    if i.get("floor_is_wgbastion") != "yes" or i.get("maps_is_wgbastion") != "yes":
        d.p("Where a check does not say yes, that baseline's table is not wgbastion's",
            "(the notes below have the difference): its ratio compares unlike tables.", "")
    fm, wm = R.med("scale", "floor", "10000", "cold", "msgs"), R.med("scale", "wgbastion", "10000", "cold", "msgs")
    if fm is not None and wm is not None:
        d.p("At 10,000 forwards the floor sent %s netlink messages (%s), wgbastion's cold apply"
            % (fmt_int(fm), fmt_bytes(R.med("scale", "floor", "10000", "cold", "bytes"))),
            "%s (%s, its reads included)." % (fmt_int(wm), fmt_bytes(R.med("scale", "wgbastion", "10000", "cold", "bytes"))), "")
    d.table(["target", "wgbastion (median)", "against (median)", "ratio", ""],
            [(name, meas, against, rt, verdict if verdict else "not measured")
             for name, _, meas, against, rt, verdict in rows])
    phases(R, d)
    old = earlier_goals(R)
    d.p("### Earlier goals (issue 8), for reference", "",
        "Absolute times, which move with the machine's load: issue 13 replaced them",
        "with the ratios above.", "")
    d.table(["goal", "measured (median)", ""], old)
    return rows


# wgbastion -v's steps (bench/step.sh phases), in the order an apply takes
# them: each stage is built (and held against its record), then read or
# recalled and compared, then synced, then its records kept
PHASE_STAGES = ("wg", "nft", "route", "sysctl")
PHASE_GROUPS = ((("build", "built"), ("record", "held against its record")),
                (("read", "read, or recalled"), ("compare", "compared")),
                (("sync", "synced"),),
                (("keep", "records kept"),))


def phase_rows(R):
    """[(label, "stage.step")] of the phases measured, in an apply's order."""
    have = {k[4][3:] for k in R.samples if k[0] == "phases" and k[4].startswith("ph:")}
    rows = [("config: read", "config.read")] if "config.read" in have else []
    for group in PHASE_GROUPS:
        for st in PHASE_STAGES:
            for step, what in group:
                if "%s.%s" % (st, step) in have:
                    rows.append(("%s: %s" % (st, what), "%s.%s" % (st, step)))
    return rows


def phases(R, d):
    """Where an apply's time goes, step by step, as wgbastion -v says it."""
    T, REF = "10000", "10"
    cols = (("change", REF), ("change", T), ("noop", T), ("cold", T))
    rows = phase_rows(R)
    if not rows:
        for s, a, n, o, reason in R.nm:
            if s == "phases":
                d.p("### Where an apply's time goes", "", "Not measured: %s." % reason, "")
                return
        return
    n = R.get("phases", "wgbastion", T, "change", "ms")
    d.p("### Where an apply's time goes", "",
        "What `wgbastion -v apply` says each step took (src/exec/exec.c), median of",
        "%d passes, each in a fresh namespace: cold, then the same config again (no-op),"
        % (n[1] if n else 0),
        "then one forward changed, the figures above. A step not shown did not run",
        "or took under 0.05 ms in every column; a dash, that it did not run there",
        "(a stage in sync by its record is neither read nor synced). *Difference*:",
        "one change among 10,000 less one among 10. What the steps leave out of the",
        "wall time is the process's start and exit and what apply does around the",
        "stages (locks, records of the instance, the plan's output).", "")
    out = []
    sums = {c: 0.0 for c in cols}
    for label, key in rows:
        v = {c: R.med("phases", "wgbastion", c[1], c[0], "ph:" + key) for c in cols}
        for c in cols:
            sums[c] += v[c] or 0.0
        if max(x or 0.0 for x in v.values()) < 0.05:
            continue
        a, b = v[("change", REF)], v[("change", T)]
        diff = "%+.2f ms" % (b - a) if a is not None and b is not None else "—"
        out.append((label, fmt_ms(a), fmt_ms(b), diff, fmt_ms(v[("noop", T)]), fmt_ms(v[("cold", T)])))
    walls = {c: R.med("phases", "wgbastion", c[1], c[0], "ms") for c in cols}
    out.append(("**the steps summed**", fmt_ms(sums[cols[0]]), fmt_ms(sums[cols[1]]),
                "%+.2f ms" % (sums[cols[1]] - sums[cols[0]]), fmt_ms(sums[cols[2]]), fmt_ms(sums[cols[3]])))
    wa, wb = walls[cols[0]], walls[cols[1]]
    out.append(("**the whole run** (wall)", fmt_ms(wa), fmt_ms(wb),
                "%+.2f ms" % (wb - wa) if wa is not None and wb is not None else "—",
                fmt_ms(walls[cols[2]]), fmt_ms(walls[cols[3]])))
    d.table(["step", "one change, 10", "one change, 10,000", "difference", "no-op, 10,000",
             "cold, 10,000"], out)


def missed(R):
    """What to profile: (op, size) of the wgbastion targets missed."""
    out = []
    for _, prof, _, _, _, verdict in issue13(R):
        if prof and verdict == "**missed**" and "%s %s" % prof not in out:
            out.append("%s %s" % prof)
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
    appr = [a for a in ("wgbastion", "floor", "nft-linear", "nft-maps", "nft-hash", "ipt")
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
        "- iptables-restore: iptables-nft, one DNAT rule per forward in the nat table",
        "- floor: bench/floor.c (`floor %s N`), wgbastion's table built with libnftnl straight from N and"
        " committed in one batch, nothing parsed, read back or compared: the least a cold apply can cost"
        " (it has no no-op or change; checked against wgbastion's own listing at 10 forwards: %s)"
        % (R.info.get("floor_flags", "?"), R.info.get("floor_is_wgbastion", "not checked")), "",
        "The figures of 10,000 forwards and the references of issue 13's targets (wgbastion",
        "at 10 forwards, `/bin/true`, `wgbastion check`) run side by side, in rounds that",
        "run one pass of each. The rounds start once every config is 4 s old: a config",
        "re-applied by a timer or a reload was written well before, and apply tells one",
        "written less than 3 s before by its digest instead of its files' stamps",
        "(src/config/config_input.c), reading it whole.", "")
    for op in OPS:
        d.p("### %s: wall time" % OP_NAME[op].capitalize(), "")
        rows = []
        for a in appr:
            cells = [APPROACH_NAME[a]]
            for n in sizes:
                if a == "floor" and op != "cold":
                    cells.append("n/a")
                    continue
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
                if a == "floor" and op != "cold":
                    cells.append("n/a")
                    continue
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
    d.p("### Validating a config, and starting a process", "",
        "`wgbastion check` of the same configs (it parses and validates, and touches",
        "nothing), timed as the applies are; and `/bin/true` through GNU time, in the",
        "same rounds as the 10,000 figures: what starting any process costs here.", "")
    rows = [[APPROACH_NAME["check"]] + [cell_time(R, "scale", "check", n, "check") for n in sizes]]
    t = R.get("scale", "true", "10000", "start", "ms")
    if t:
        rows.append([APPROACH_NAME["true"]] + [cell_time(R, "scale", "true", n, "start") if n == "10000" else ""
                                               for n in sizes])
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
        "edited by hand. %s mode: %s timed runs per figure (%s at 10,000 forwards, the"
        % (i.get("mode", "?").capitalize(), i.get("runs", "?"),
           i.get("target_runs", i.get("runs", "?"))),
        "targets' size, and for their references; homelab: %s; peak RSS:"
        % i.get("hruns", "?"),
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
