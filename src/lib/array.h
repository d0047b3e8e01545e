/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Growable arrays: one way to grow them, with one overflow check.
 *
 *	struct foo *v = NULL;
 *	size_t n = 0, cap = 0;
 *	struct foo *f = array_push(v, n, &cap);	zeroed, or NULL: out of memory
 *
 * With a capacity the array doubles (amortised O(1) appends, for the
 * lists a kernel dump can make long). An array that keeps no capacity
 * (its length is its count) passes NULL and grows by exactly what it
 * needs. On failure the array is untouched and still valid.
 */
#ifndef WGB_ARRAY_H
#define WGB_ARRAY_H

#include <stddef.h>
#include <string.h>

/* Room for 'need' elements of 'size' bytes in the array whose address
 * is 'arrayp' (a T ** passed as void *): 0, or -ENOMEM. */
int array_reserve_(void *arrayp, size_t *cap, size_t need, size_t size);

#define array_reserve(v, cap, need) \
	array_reserve_(&(v), (cap), (need), sizeof(*(v)))

/* The same for an array about to be filled up to its capacity (a buffer
 * written in order, elements that are pushed until a sort gives back the
 * rest): the room a growth adds is faulted in at once (array_prefault). */
int array_reserve_hot_(void *arrayp, size_t *cap, size_t need, size_t size);

#define array_reserve_hot(v, cap, need) \
	array_reserve_hot_(&(v), (cap), (need), sizeof(*(v)))

/* Faults in the whole pages of [p, p + len) in one call, for a large
 * block about to be written whole (see array.c). */
void array_prefault(void *p, size_t len);

/* One more element at the end, zeroed: its address, or NULL. */
#define array_push(v, n, cap)						\
	(array_reserve((v), (cap), (n) + 1) < 0 ? NULL :		\
	 memset(&(v)[(n)++], 0, sizeof(*(v))))

#endif
