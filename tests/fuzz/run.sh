#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs a fuzzer: tests/fuzz/run.sh BIN [SECONDS] (default 60; FUZZ_SECONDS
# overrides). BIN is fuzz_config (the config parser: corpus/, config.dict,
# regressions/, replayed by the unit test test_fuzz_regress),
# fuzz_records (the run directory's records: corpus-records/, records.dict,
# regressions-records/, replayed by test_records) or fuzz_kept (the table
# kept beside the nft generation record: seeds the harness writes,
# regressions-kept/, replayed by test_nft). New inputs go to a
# corpus kept next to BIN (corpus-fuzz_config/), so that runs add up; a
# crashing input is copied to the regressions folder,
# where its unit test replays it for ever after: fix the bug, keep the
# file. One process: the machine is shared.
set -eu
cd "$(dirname "$0")"
bin=$1
seconds=${FUZZ_SECONDS:-${2:-60}}
case $bin in /*) ;; *) bin=$OLDPWD/$bin ;; esac
[ -x "$bin" ] || { echo "run.sh: $bin: not built (make fuzz)" >&2; exit 2; }
# the kept table's seeds are this build's own, written by the harness
# into the corpus it keeps (below); its inputs are binary, no dictionary
opts=(-max_len=4096)
case $(basename "$bin") in
fuzz_records) opts+=(-dict=records.dict) corpus=corpus-records regress=regressions-records ;;
fuzz_kept) opts=(-max_len=65536) corpus='' regress=regressions-kept ;;
*) opts+=(-dict=config.dict) corpus=corpus regress=regressions ;;
esac

work=$(mktemp -d /tmp/wgb-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/crash"
# what the runs found is kept next to the binary and grows run after run
# (the checked-in corpus/ stays the small hand-made seed)
kept=$(dirname "$bin")/corpus-$(basename "$bin")
mkdir -p "$kept"

# undefined behaviour stops the run like a crash, and its input is kept
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
set +e
WGB_FUZZ_SEEDS=$kept "$bin" -max_total_time="$seconds" "${opts[@]}" -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix="$work/crash/" -print_final_stats=1 \
	"$kept" ${corpus:+"$corpus"} "$regress" 2>&1 | grep -v '^#[0-9].*\(NEW\|REDUCE\|pulse\)'
rc=${PIPESTATUS[0]}
set -e

found=0
for f in "$work"/crash/*; do
	[ -f "$f" ] || continue
	cp "$f" "$regress/$(basename "$f")"
	echo "run.sh: kept tests/fuzz/$regress/$(basename "$f")"
	found=1
done
if [ "$rc" != 0 ] || [ "$found" = 1 ]; then
	echo "run.sh: the fuzzer found a problem (exit $rc)" >&2
	exit 1
fi
echo "run.sh: no crash in ${seconds}s"
