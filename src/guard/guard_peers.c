// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stale-handshake warning (guard.h). WireGuard re-handshakes every two
 * minutes while traffic flows, and a far side with PersistentKeepalive keeps
 * it flowing, so a handshake older than three minutes means the far side is
 * down, or cannot reach our ListenPort (a cloud firewall, a changed port).
 */
#include <time.h>

#include "guard.h"
#include "lib/human.h"
#include "lib/warn.h"
#include "wg/wg_state.h"

#define HANDSHAKE_STALE 180	/* seconds */

void guard_warn_peers(const struct wg_state *w)
{
	char key[WG_KEY_B64_LEN + 1], age[96];
	time_t now = time(NULL);
	size_t i;

	if (!w || !w->exists)
		return;
	for (i = 0; i < w->n_peers; ++i) {
		const struct wg_peer_state *p = &w->peers[i];

		/* "never" is every new tunnel's first minutes, and the device's
		 * age is unknown: show says it in red, no warning here */
		if (!p->last_handshake.tv_sec || now - p->last_handshake.tv_sec <= HANDSHAKE_STALE)
			continue;
		key_to_base64(key, p->public_key);
		human_duration(age, sizeof(age), now - p->last_handshake.tv_sec);
		warning("peer %s: latest handshake %s ago (more than 3 minutes): the "
			"far side is down or cannot reach UDP port %u here", key, age,
			w->listen_port);
	}
}
