#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A strict reader of the Prometheus text exposition format 0.0.4.

prom_check.py FILE      read FILE (- for stdin); on success print every
                        sample as `name{k="v",...} value`, labels sorted,
                        and exit 0; on the first fault print
                        `FILE:LINE: reason` on stderr and exit 1.
prom_check.py --self-test
                        run the checker on good and bad documents.

Stricter than Prometheus itself where our printer should be: a comment
other than HELP or TYPE, a sample before its family's TYPE, a family whose
samples are not one block, a series twice, a counter not named *_total or
negative, a blank line. Used by show_prom.test.sh (promtool is not used:
see docs/prometheus.md).
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
HELP_RE = re.compile(r"^# HELP (" + NAME + r") (.*)$")
TYPE_RE = re.compile(r"^# TYPE (" + NAME + r") (\S+)$")
SAMPLE_RE = re.compile(r"^(" + NAME + r")(\{.*\})? (\S+)( -?[0-9]+)?$")
PAIR_RE = re.compile(r'(' + LABEL + r')="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


class Bad(Exception):
    pass


def unescape(v):
    return re.sub(r'\\([\\"n])', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def labels(text):
    """{a="x",b="y"} -> (("a","x"),("b","y")), refusing anything else."""
    body, out, seen = text[1:-1], [], set()
    pos = 0
    while pos < len(body):
        m = PAIR_RE.match(body, pos)
        if not m:
            raise Bad("malformed labels at %r" % body[pos:])
        if m.group(1) in seen:
            raise Bad("label %s twice" % m.group(1))
        if m.group(1).startswith("__"):
            raise Bad("reserved label name %s" % m.group(1))
        seen.add(m.group(1))
        out.append((m.group(1), unescape(m.group(2))))
        pos = m.end()
    if body.endswith(","):
        raise Bad("trailing comma in labels")
    return tuple(sorted(out))


def value(text):
    if text in ("NaN", "+Inf", "-Inf"):
        return float(text.replace("Inf", "inf"))
    if not re.fullmatch(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", text):
        raise Bad("value %r is not a number" % text)
    return float(text)


def family_of(name, types):
    """The family a sample name belongs to (histogram/summary suffixes)."""
    if name in types:
        return name
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
            if suffix == "_bucket" and types[base] != "histogram":
                break
            return base
    return None


def check(text):
    """The samples of a document as [(name, labels, value, raw value)]."""
    helps, types, done, series, samples = set(), {}, set(), set(), []
    current = None
    if text and not text.endswith("\n"):
        raise Bad("the last line has no newline", text.count("\n") + 1)
    for no, line in enumerate(text.split("\n")[:-1], 1):
        try:
            if line == "":
                raise Bad("blank line")
            if line.startswith("#"):
                m = HELP_RE.match(line) or TYPE_RE.match(line)
                if not m:
                    raise Bad("a comment that is not HELP or TYPE")
                name = m.group(1)
                if name != current:
                    if name in done:
                        raise Bad("family %s comes back after another" % name)
                    if current:
                        done.add(current)
                    current = name
                if line.startswith("# HELP"):
                    if name in helps:
                        raise Bad("second HELP for %s" % name)
                    if name in types:
                        raise Bad("HELP of %s after its TYPE" % name)
                    if re.search(r"\\[^\\n]|\\$", m.group(2)):
                        raise Bad("bad escape in HELP")
                    helps.add(name)
                else:
                    if name in types:
                        raise Bad("second TYPE for %s" % name)
                    if m.group(2) not in TYPES:
                        raise Bad("unknown type %s" % m.group(2))
                    types[name] = m.group(2)
                continue
            m = SAMPLE_RE.match(line)
            if not m:
                raise Bad("malformed sample")
            name = m.group(1)
            fam = family_of(name, types)
            if fam is None:
                raise Bad("sample %s without a TYPE before it" % name)
            if fam != current:
                raise Bad("sample of %s inside family %s" % (fam, current))
            lab = labels(m.group(2)) if m.group(2) else ()
            x = value(m.group(3))
            if types[fam] == "counter":
                if not name.endswith("_total"):
                    raise Bad("counter %s not named *_total" % name)
                if math.isnan(x) or x < 0:
                    raise Bad("counter %s is %s" % (name, m.group(3)))
            key = (name, lab)
            if key in series:
                raise Bad("series twice: %s" % line)
            series.add(key)
            samples.append((name, lab, x, m.group(3)))
        except Bad as e:
            if len(e.args) == 1:
                e.args = (e.args[0], no)
            raise
    return samples


def canonical(name, lab, raw):
    esc = lambda v: v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return "%s{%s} %s" % (name, ",".join('%s="%s"' % (k, esc(v)) for k, v in lab), raw)


GOOD = """# HELP a_total A counter.
# TYPE a_total counter
a_total{instance="w\\"g\\\\0\\n",x="1"} 3
a_total{instance="w",x="2"} 0
# HELP b A gauge.
# TYPE b gauge
b 1.5e3
# TYPE c gauge
c{} -1
"""

BAD = {
    "malformed line": "# TYPE a gauge\na{x=\"1\"}\n",
    "no value": "# TYPE a gauge\na\n",
    "text value": "# TYPE a gauge\na one\n",
    "unquoted label": "# TYPE a gauge\na{x=1} 1\n",
    "bad escape": "# TYPE a gauge\na{x=\"\\t\"} 1\n",
    "raw quote": "# TYPE a gauge\na{x=\"a\"b\"} 1\n",
    "label twice": "# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n",
    "bad name": "# TYPE 1a gauge\n1a 1\n",
    "duplicate series": "# TYPE a gauge\na{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n",
    "sample without TYPE": "a 1\n",
    "TYPE after sample": "# HELP a x\na 1\n# TYPE a gauge\n",
    "interleaved": "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n",
    "family back": "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a again\n",
    "two TYPEs": "# TYPE a gauge\n# TYPE a gauge\na 1\n",
    "HELP after TYPE": "# TYPE a gauge\n# HELP a x\na 1\n",
    "unknown type": "# TYPE a meter\na 1\n",
    "counter name": "# TYPE a counter\na 1\n",
    "negative counter": "# TYPE a_total counter\na_total -1\n",
    "other comment": "# hello\n# TYPE a gauge\na 1\n",
    "blank line": "# TYPE a gauge\n\na 1\n",
    "no final newline": "# TYPE a gauge\na 1",
}


def self_test():
    failed = 0
    try:
        got = [canonical(n, l, r) for n, l, _, r in check(GOOD)]
        want = ['a_total{instance="w\\"g\\\\0\\n",x="1"} 3', 'a_total{instance="w",x="2"} 0',
                "b{} 1.5e3", "c{} -1"]
        if got != want:
            print("BAD: good document read as %r" % got)
            failed += 1
        else:
            print("ok: good document")
    except Bad as e:
        print("BAD: good document refused: line %s: %s" % (e.args[1], e.args[0]))
        failed += 1
    for what, doc in BAD.items():
        try:
            check(doc)
            print("BAD: accepted: %s" % what)
            failed += 1
        except Bad as e:
            print("ok: refused %s (line %s: %s)" % (what, e.args[1], e.args[0]))
    return 1 if failed else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print("usage: prom_check.py FILE | --self-test", file=sys.stderr)
        return 2
    path = argv[1]
    text = sys.stdin.read() if path == "-" else open(path).read()
    try:
        samples = check(text)
    except Bad as e:
        print("%s:%s: %s" % (path, e.args[1], e.args[0]), file=sys.stderr)
        return 1
    for name, lab, _, raw in samples:
        print(canonical(name, lab, raw))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
