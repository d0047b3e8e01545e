/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The nftables stage: the table `inet wgbastion-NAME` (docs/ruleset.md),
 * read from the kernel, built from the config, diffed and synced in one
 * atomic batch with libnftnl + libmnl.
 *
 * This is what the rest of wgbastion sees of it: the stage, its state
 * type (opaque: counters through the accessors), and the views, which
 * read forwards and egresses back out of a table (live or desired alike)
 * the way plan lines print them. Everything else is nft_int.h's.
 */
#ifndef WGB_NFT_H
#define WGB_NFT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/stage.h"

#define NFT_TABLE_PREFIX	"wgbastion-"
/* Counter object names: "forward_" NAME, "egress_" NAME and "dropped";
 * "limitdrop_" NAME counts what a forward's RateLimit and ConnLimit drop. */
#define NFT_FWD_PREFIX		"forward_"
#define NFT_LIMITDROP_PREFIX	"limitdrop_"
#define NFT_EGR_PREFIX		"egress_"
/* the far side's (SPEC §6): "return_" NAME counts the new connections a
 * [Return] answers, "exit_" NAME those an [Exit] sends into the tunnel */
#define NFT_RET_PREFIX		"return_"
#define NFT_EXIT_PREFIX		"exit_"
#define NFT_DROPPED		"dropped"

extern const struct stage stage_nft;	/* nft_batch.c, beside sync */

struct nft_state;

bool nft_state_has_table(const struct nft_state *st);
/* Packets and bytes of the named counter object ("forward_web",
 * "egress_home", "dropped"). -ENOENT when there is none. */
int nft_state_counter(const struct nft_state *st, const char *name,
		      uint64_t *packets, uint64_t *bytes);
/* The same by forward or egress name. */
int nft_state_forward_counter(const struct nft_state *st, const char *forward,
			      uint64_t *packets, uint64_t *bytes);
/* What a forward's RateLimit and ConnLimit dropped; -ENOENT: no limits. */
int nft_state_limitdrop_counter(const struct nft_state *st, const char *forward,
				uint64_t *packets, uint64_t *bytes);
int nft_state_egress_counter(const struct nft_state *st, const char *egress,
			     uint64_t *packets, uint64_t *bytes);

/* ---- views (nft_view.c): forwards and egresses as read back ---- */

struct nft_forward_view {
	char ports[32];		/* "tcp 443", "tcp,udp 27015-27030", "no ports" */
	char destination[64];	/* "192.168.1.10:8443", "... (ports kept)", "nowhere" */
	bool everyone;		/* an open port: any client may connect */
	char allow[256];	/* else these ranges, "no one" when none */
	char allowfile[32];	/* "N ranges" in its AllowFile set, "" none */
	bool masquerade;
};

struct nft_egress_view {
	char source[256], destination[256];	/* "none" when empty */
	char deny[256];		/* "" when none */
	char interface[IFNAMSIZ];	/* the uplink it is limited to, "" any */
	bool masquerade;
};

struct nft_views;
struct nft_views *nft_views_new(const struct nft_state *st);	/* NULL: no memory */
void nft_views_free(struct nft_views *v);
/* Many forwards are about to be looked at by name (nft_view_forward):
 * their keys are sorted by name once. Without it each look scans them,
 * which is cheaper for a few (a change to one forward among ten
 * thousand); the answers are the same either way. */
void nft_views_index_names(struct nft_views *v);
/* Forward and egress names in st, sorted and unique. */
size_t nft_views_forwards(const struct nft_views *v, const char *const **names);
size_t nft_views_egresses(const struct nft_views *v, const char *const **names);
bool nft_views_has_forward(const struct nft_views *v, const char *name);
bool nft_views_has_egress(const struct nft_views *v, const char *name);
/* false when there is no such forward / egress */
bool nft_view_forward(const struct nft_views *v, const char *name, struct nft_forward_view *out);
bool nft_view_egress(const struct nft_views *v, const char *name, struct nft_egress_view *out);
/* "tcp 443 -> 192.168.1.10:8443, allow 10.0.0.0/8, masquerade" */
void nft_view_forward_line(const struct nft_forward_view *w, char *buf, size_t len);
/* "10.100.0.0/24 -> 0.0.0.0/0, ::/0 except 169.254.0.0/16, via eth0, masquerade" */
void nft_view_egress_line(const struct nft_egress_view *w, char *buf, size_t len);
/* The forward whose port range (family 4/6, IPPROTO_*) holds port. */
const char *nft_views_port_owner(const struct nft_views *v, int fam, int proto, uint16_t port);

#endif
