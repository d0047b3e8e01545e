#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The end-to-end data-path test (datapath.test.sh) with the shell reference
# bastion (bench/reference/bastion.sh) in place of wgbastion: proves the
# topology, the far side and every data-path assertion on their own, so that
# a failure of datapath.test.sh points at wgbastion, not at the test.
# (The kernel lane leaves it out of its e2e suite: tests/kernel/queue.sh.)
WGB_E2E_BASTION=reference exec bash "$(dirname "$0")/datapath.test.sh" "$@"
