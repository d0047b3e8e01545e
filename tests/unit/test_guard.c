// SPDX-License-Identifier: GPL-2.0-only
/* The stale-handshake warning on a hand-made WireGuard state. */
#include <string.h>
#include <time.h>

#include "guard/guard.h"
#include "lib/warn.h"
#include "unit.h"
#include "wg/wg_state.h"

START_TEST(stale_handshakes)
{
	struct wg_peer_state peers[3];
	struct wg_state w;
	struct warnings out = { 0 };
	time_t now = time(NULL);

	memset(&w, 0, sizeof(w));
	memset(peers, 0, sizeof(peers));
	w.exists = true;
	w.listen_port = 51820;
	w.peers = peers;
	w.n_peers = 3;
	memset(peers[0].public_key, 0x11, WG_KEY_LEN);
	peers[0].last_handshake.tv_sec = now - 10;		/* fresh */
	memset(peers[1].public_key, 0x22, WG_KEY_LEN);
	peers[1].last_handshake.tv_sec = now - 200;		/* stale */
	memset(peers[2].public_key, 0x33, WG_KEY_LEN);	/* never */

	guard_warn_peers(&w);
	warnings_take(&out);
	ck_assert_uint_eq(out.n, 1);	/* "never" is shown by show, not warned */
	ck_assert_ptr_nonnull(strstr(out.v[0], "peer IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=: latest handshake 3 minutes, 2"));
	ck_assert_ptr_nonnull(strstr(out.v[0], "more than 3 minutes"));
	ck_assert_ptr_nonnull(strstr(out.v[0], "UDP port 51820"));
	warnings_free(&out);

	w.exists = false;				/* no device: nothing to say */
	guard_warn_peers(&w);
	guard_warn_peers(NULL);
	warnings_take(&out);
	ck_assert_uint_eq(out.n, 0);
	warnings_free(&out);
}
END_TEST

static Suite *guard_suite(void)
{
	Suite *s = suite_create("guard");
	TCase *tc = tcase_create("warnings");

	tcase_add_test(tc, stale_handshakes);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(guard_suite)
