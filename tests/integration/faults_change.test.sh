#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A failure at every kernel write of apply of a config that changes every stage, each rolled back
# exactly: tests/integration/faults_common.sh.
exec bash "$(dirname "$0")/faults_common.sh" change "$@"
