/* SPDX-License-Identifier: GPL-2.0-only */
/* Durations and byte counts as people read them (show, warnings, -v). */
#ifndef WGB_HUMAN_H
#define WGB_HUMAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* "1 minute, 3 seconds" (no "ago"); "0 seconds" for 0. */
void human_duration(char *buf, size_t len, int64_t seconds);
/* "5.60 MiB", "1234 B" */
void human_bytes(char *buf, size_t len, uint64_t bytes);
/* Milliseconds of CLOCK_MONOTONIC since *t, and *t set to now: what -v
 * says each step took. human_lap_start sets *t. */
void human_lap_start(struct timespec *t);
double human_lap(struct timespec *t);

#endif
