// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"

int array_reserve_(void *arrayp, size_t *cap, size_t need, size_t size)
{
	size_t have = cap ? *cap : 0, ncap = need;
	void *v, *nv;

	if (cap && need <= have)
		return 0;
	if (cap) {
		/* doubling, from a few elements up; the product is checked
		 * by reallocarray, the doubling here */
		ncap = have < 4 ? 4 : have > SIZE_MAX / 2 ? SIZE_MAX : have * 2;
		if (ncap < need)
			ncap = need;
	}
	/* the pointer is copied, not cast: *arrayp is a T *, not a void * */
	memcpy(&v, arrayp, sizeof(v));
	nv = reallocarray(v, ncap ? ncap : 1, size);
	if (!nv)
		return -ENOMEM;
	memcpy(arrayp, &nv, sizeof(nv));
	if (cap)
		*cap = ncap;
	return 0;
}

int array_reserve_hot_(void *arrayp, size_t *cap, size_t need, size_t size)
{
	size_t have = *cap;
	uint8_t *v;

	if (need <= have)
		return 0;	/* once per push: the common case first */
	if (array_reserve_(arrayp, cap, need, size) < 0)
		return -ENOMEM;
	if (*cap != have) {
		memcpy(&v, arrayp, sizeof(v));
		array_prefault(v + have * size, (*cap - have) * size);
	}
	return 0;
}

/*
 * Faults in the pages of [p, p + len) in one call, as writing them would
 * one fault at a time. On the machines the bench runs on a page fault
 * costs about 13 us and a page faulted in by MADV_POPULATE_WRITE 0.8 us:
 * for the blocks an apply of ten thousand forwards fills (the config's
 * text and forwards, the kept table and its elements, the counters) the
 * faults cost more than the work. Only for blocks about to be written
 * whole, so that nothing is made resident that would not have been; and
 * only a hint: a kernel before 5.14 refuses it, and the pages are
 * faulted in as they are written.
 */
#define PREFAULT_MIN	(64u << 10)	/* smaller blocks: malloc's, mostly faulted in */

void array_prefault(void *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	uintptr_t page = (uintptr_t)getpagesize();
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(page - 1);

	if (len >= PREFAULT_MIN && b > a)
		(void)madvise((void *)a, b - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}
