// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
