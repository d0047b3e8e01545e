#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The end-to-end data-path test (datapath.test.sh) with the shell reference
# bastion (bench/reference/bastion.sh) in place of wgbastion: proves the
# topology, the far side and every data-path assertion on their own, so that
# a failure of datapath.test.sh points at wgbastion, not at the test.
if [ "${WGB_WG_BACKEND:-userspace}" = kernel ]; then
	# under qemu every minute counts; the topology does not depend on the
	# WireGuard implementation and is proven in the ordinary lane
	echo "SKIP: the kernel lane spends its time on wgbastion; the topology is proven by tests/run.sh e2e"
	exit 77
fi
WGB_E2E_BASTION=reference exec bash "$(dirname "$0")/datapath.test.sh" "$@"
