// SPDX-License-Identifier: GPL-2.0-only
/* Plan lines: placeholder, replaced below. */
#include <netinet/in.h>
#include <errno.h>

#include "nft.h"

int nft_diff(const void *from, const void *to, struct plan *p)
{
	struct nft_delta d;
	int ret;

	ret = nft_delta_compute(from, to, &d);
	if (ret < 0)
		return ret;
	if (!nft_delta_empty(&d))
		ret = plan_add(p, '~', "nft table: differs") < 0 ? -ENOMEM : 1;
	nft_delta_free(&d);
	return ret;
}
