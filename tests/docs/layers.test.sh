#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The layers of src/ (docs/hacking.md): a file includes only from its own
# folder or from a folder below it, and no stage includes another stage.
. "$(dirname "$0")/lib.sh"

# bottom to top; the four stages share one floor
rank() {
	case $1 in
	lib) echo 0 ;; config) echo 1 ;; core) echo 2 ;;
	wg|nft|route|sysctl) echo 3 ;;
	exec) echo 4 ;; guard) echo 5 ;; show) echo 6 ;; cmd) echo 7 ;;
	*) echo "" ;;
	esac
}

say "every folder of src/ has its place"
for d in src/*/; do
	d=$(basename "$d")
	[ -n "$(rank "$d")" ] || fail "src/$d: not in docs/hacking.md's layers (add it to rank() here and there)"
done

say "includes go down"
bad=0
while IFS=: read -r file _ line; do
	from=$(basename "$(dirname "$file")")
	to=${line#*\"}
	to=${to%%/*}
	[ "$to" = "$line" ] && continue
	rf=$(rank "$from") rt=$(rank "$to")
	if [ -z "$rt" ]; then
		fail "$file includes from an unknown folder: $line"
		bad=1
	elif [ "$from" != "$to" ] && [ "$rt" -ge "$rf" ]; then
		fail "$file ($from) includes $to, which is not below it: $line"
		bad=1
	fi
done < <(grep -n '^#include "[a-z]*/' src/*/*.[ch])
[ $bad -eq 0 ] && pass "every cross-folder include points down"

finish
