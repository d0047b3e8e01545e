# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Sourced by tests/kernel/run.sh: one VM's life.
#   vm_qemu MODE       the qemu command line for a VM -> QEMU; MODE is
#                      queue (run tests from the queue) or shell
#   vm_run I           boot VM I with QEMU, hand it tests from the queue,
#                      stream its console into console-I.log and print
#                      results as they come
#   vm_verdict I       after vm_run: why VM I failed as a whole, or nothing
#   vm_failures I      the output of each test that failed in VM I
#
# Result lines on the console carry the prefix $P (see guest.sh), so that
# kernel messages can never be taken for results.

vm_qemu() {
	local mode=$1 append
	# mitigations=off: page-table isolation and friends cost TCG dearly
	# (every CR3 switch flushes its TLB) and guard nothing in a throw-away VM.
	append="console=ttyS0 panic=-1 mitigations=off wgbk_mode=$mode wgbk_top=$TOP"
	append+=" wgbk_kdir=$KDIR wgbk_mounts=$(IFS=,; echo "${MOUNTS[*]}") WGB_BUILD=$BDIR"
	[ -n "${WGB_TEST_VERBOSE:-}" ] && append+=" WGB_TEST_VERBOSE=1"
	append+=" ${WGB_KERNEL_APPEND:-}"
	# shellcheck disable=SC2054 # commas belong to qemu's options
	QEMU=(qemu-system-x86_64 -accel tcg,thread=multi -cpu "${WGB_KERNEL_CPU:-max}"
		-smp "${WGB_KERNEL_SMP:-1}" -m "${WGB_KERNEL_MEM:-1536}"
		-nodefaults -no-user-config -display none -no-reboot
		-kernel "$KIMAGE" -initrd "$KDIR/initramfs.cpio"
		-append "$append"
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
		"${SHARES[@]}"
		-device virtio-rng-pci)
}

# The console is a conversation: the guest says "$P NEXT", we answer on its
# serial input with "script:timeout" from the queue, or END.
vm_run() {
	local i=$1 line r name last began='' NEXT
	local log=$KDIR/console-$i.log in=$KDIR/serial-$i.in
	local tag=
	[ "$JOBS" -gt 1 ] && tag="VM $i: "
	: >"$log"
	rm -f "$KDIR/vm-$i.rc" "$in"
	mkfifo "$in" || die "cannot make $in"
	last=$SECONDS
	{
		# read-write: qemu never waits for a writer nor sees end of file
		timeout --kill-after=10 "$TIMEOUT" "${QEMU[@]}" -serial stdio \
			0<>"$in" 2>"$KDIR/qemu-$i.err"
		echo $? >"$KDIR/vm-$i.rc"
	} | while IFS= read -r line || [ -n "$line" ]; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >>"$log"
		case $line in
		"$P BEGIN"*)
			echo "kernel lane: ${tag}up after $((SECONDS - START))s: ${line#"$P BEGIN "}"
			began=1
			;;
		"$P NEXT"*)
			queue_next "$i"
			printf '%s\n' "${NEXT:-END}" >"$in"
			last=$SECONDS
			;;
		"$P PASS  "* | "$P FAIL  "* | "$P SKIP  "*)
			r=${line#"$P "}
			name=${r#????  }
			name=${name%%[ :]*}
			case $r in
			FAIL*"(exit 124)")
				grep -qxF "$name" "$KDIR/capped" 2>/dev/null &&
					r+=": cut off at the end of the lane's budget (WGB_KERNEL_TIMEOUT)"
				;;
			esac
			echo "$r [${tag}$((SECONDS - last))s]"
			# a skip says nothing of how long the test takes
			case $r in SKIP*) ;; *) [ -n "$began" ] && durations_note "$name" $((SECONDS - last)) ;; esac
			;;
		"$P DONE"*) ;;
		"$P "*) echo "${tag}${line#"$P "}" ;;
		esac
	done
	rm -f "$in"
}

vm_verdict() {
	local i=$1 rc
	local log=$KDIR/console-$i.log
	rc=$(cat "$KDIR/vm-$i.rc" 2>/dev/null || echo lost)
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "the VM did not finish within ${TIMEOUT}s"
	elif ! grep -q "^$P DONE" "$log"; then
		echo "the VM stopped before the tests finished (qemu exit $rc)"
	elif grep -q "^$P USERSPACE-WIREGUARD" "$log"; then
		echo "something started a userspace WireGuard in the VM"
	fi
}

# What a failed test printed: the lines between the previous result (or
# BEGIN) and its FAIL line.
vm_failures() {
	awk -v p="$P" '
		index($0, p " BEGIN") == 1 { on = 1; n = 0; next }
		!on { next }
		index($0, p " FAIL  ") == 1 {
			print "---- " substr($0, length(p) + 2)
			for (k = 0; k < n; k++) print buf[k]
			n = 0; next
		}
		index($0, p " ") == 1 { n = 0; next }
		{ buf[n++] = $0 }
	' "$KDIR/console-$1.log"
}
