#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# README.md and docs/*.md: every relative link names a file that exists,
# every #anchor a heading that exists (GitHub's anchor rules), and the
# README starts with the two set-up commands.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "python3 not installed"

say "README.md opens with make demo and make check"
head=$(head -n 12 README.md)
assert_match "make demo in the first lines" '^make demo ' "$head"
assert_match "make check in the first lines" '^make check ' "$head"

say "links"
out=$(python3 - README.md docs/*.md <<'PY'
import os, re, sys

def anchors(path):
    out, seen = set(), {}
    fence = False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        if fence:
            continue
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        a = m.group(1).strip().lower()
        a = re.sub(r"[^\w\- ]", "", a).replace(" ", "-")
        n = seen.get(a, 0)
        seen[a] = n + 1
        out.add(a if n == 0 else "%s-%d" % (a, n))
    return out

bad = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)   # no links in code
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue                                      # http:, mailto:
        file, _, frag = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
        if not os.path.exists(dest):
            print("%s: link to missing file %s" % (path, target)); bad += 1
            continue
        if frag and dest.endswith(".md") and frag not in anchors(dest):
            print("%s: link to missing heading %s" % (path, target)); bad += 1
        else:
            print("ok %s -> %s" % (path, target))
sys.exit(1 if bad else 0)
PY
)
rc=$?
printf '%s\n' "$out" | sed 's/^/    /'
assert_eq "every link resolves" 0 "$rc"
n=$(printf '%s\n' "$out" | grep -c '^ok ')
[ "$n" -ge 10 ] && pass "$n links checked" || fail "only $n links found: is the parser broken?"
finish
