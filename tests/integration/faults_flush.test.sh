#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A failure at every kernel write of flush, each rolled back
# exactly: tests/integration/faults_common.sh.
exec bash "$(dirname "$0")/faults_common.sh" flush "$@"
