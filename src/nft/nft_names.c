// SPDX-License-Identifier: GPL-2.0-only
/*
 * Our table's vocabulary (docs/ruleset.md): its address families and
 * protocols, and the names of its sets, made here for build and the rules
 * and taken apart here for the views and the plan, so that the two
 * directions cannot drift apart.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft_int.h"

/* nft's datatype numbers (src/datatype.h), so that `nft list` names the
 * key and data types */
#define TYPE_IPADDR		7
#define TYPE_IP6ADDR		8

const struct nft_fam nft_fams[2] = {
	{ AF_INET, "4", NFPROTO_IPV4, 4, TYPE_IPADDR, 12, 16, NFT_CT_SRC_IP },
	{ AF_INET6, "6", NFPROTO_IPV6, 16, TYPE_IP6ADDR, 8, 24, NFT_CT_SRC_IP6 },
};

const struct nft_proto nft_protos[2] = {
	{ PROTO_TCP, "tcp", IPPROTO_TCP },
	{ PROTO_UDP, "udp", IPPROTO_UDP },
};

/* "dnat" and "_keep" of dnat4_tcp_keep, by kind */
static const char *const fs_names[NFT_FS_KINDS][2] = {
	[NFT_FS_OPEN] = { "open", "" }, [NFT_FS_ALLOW] = { "allow", "" },
	[NFT_FS_DNAT] = { "dnat", "" }, [NFT_FS_KEEP] = { "dnat", "_keep" },
	[NFT_FS_COUNT] = { "count", "" }, [NFT_FS_MASQ] = { "masq", "" },
	[NFT_FS_RATE] = { "rate", "" }, [NFT_FS_CONN] = { "conn", "" },
	[NFT_FS_LIMITDROP] = { "limitdrop", "" }, [NFT_FS_LOG] = { "log", "" },
	[NFT_FS_ALLOWFILE] = { "allowfile", "" },
};

void nft_allowfile_name(char *buf, size_t len, const char *forward)
{
	snprintf(buf, len, NFT_ALLOWFILE_PREFIX "%s", forward);
}

void nft_log_chain_name(char *buf, size_t len, const char *forward)
{
	snprintf(buf, len, "log_%s", forward);
}

void nft_rate_chain_name(char *buf, size_t len, uint32_t rate, uint32_t unit)
{
	snprintf(buf, len, "rate_%u_%s", rate, unit == 60 ? "minute" : "second");
}

void nft_conn_chain_name(char *buf, size_t len, uint32_t limit)
{
	snprintf(buf, len, "conn_%u", limit);
}

static const char *const es_names[NFT_ES_KINDS] = {
	[NFT_ES_SRC] = "src", [NFT_ES_DST] = "dst", [NFT_ES_DENY] = "deny",
};

void nft_fwd_set_name(char *buf, size_t len, enum nft_fs_kind k, size_t fam, size_t proto)
{
	snprintf(buf, len, "%s%s_%s%s", fs_names[k][0], nft_fams[fam].sfx,
		 nft_protos[proto].name, fs_names[k][1]);
}

bool nft_fwd_set_parse(const char *name, enum nft_fs_kind *kind, int *fam, int *proto)
{
	size_t k, f, p, n, pl;
	const char *s;

	/* read, not made and compared: a table holds a set per egress, and
	 * most names fail at their first letters */
	for (k = 0; k < NFT_FS_KINDS; ++k) {
		n = strlen(fs_names[k][0]);
		if (strncmp(name, fs_names[k][0], n))
			continue;
		for (f = 0; f < 2; ++f) {
			s = name + n;
			if (s[0] != nft_fams[f].sfx[0] || s[1] != '_')
				continue;
			s += 2;
			for (p = 0; p < 2; ++p) {
				pl = strlen(nft_protos[p].name);
				if (strncmp(s, nft_protos[p].name, pl) || strcmp(s + pl, fs_names[k][1]))
					continue;
				*kind = (enum nft_fs_kind)k;
				*fam = f ? 6 : 4;
				*proto = nft_protos[p].num;
				return true;
			}
		}
	}
	return false;
}

void nft_egr_set_name(char *buf, size_t len, const char *egress, enum nft_es_kind k, size_t fam)
{
	snprintf(buf, len, NFT_EGR_PREFIX "%s_%s%s", egress, es_names[k], nft_fams[fam].sfx);
}

bool nft_egr_set_parse(const char *name, char *egress, size_t len, enum nft_es_kind *kind,
		       int *fam)
{
	size_t n = strlen(name), pl = strlen(NFT_EGR_PREFIX), k, kl;

	if (strncmp(name, NFT_EGR_PREFIX, pl) || n < 2)
		return false;
	if (name[n - 1] != '4' && name[n - 1] != '6')
		return false;
	for (k = 0; k < NFT_ES_KINDS; ++k) {
		kl = strlen(es_names[k]) + 1;	/* with its '_' */
		if (n - 1 > pl + kl && name[n - 1 - kl] == '_' &&
		    !strncmp(name + n - kl, es_names[k], kl - 1)) {
			size_t el = n - 1 - kl - pl;

			if (el + 1 > len)
				return false;
			memcpy(egress, name + pl, el);
			egress[el] = '\0';
			*kind = (enum nft_es_kind)k;
			*fam = name[n - 1] - '0';
			return true;
		}
	}
	return false;
}

bool nft_egress_has_family(const struct wgb_egress *eg, int af)
{
	return prefix_list_has_family(&eg->source, af);
}

void nft_far_set_name(char *buf, size_t len, const char *prefix, const char *name,
		      const char *what, size_t fam)
{
	snprintf(buf, len, "%s%s_%s%s", prefix, name, what, nft_fams[fam].sfx);
}

/* "return_lan" or "return_lan_dst4" -> "return lan" */
bool nft_far_owner(const char *name, char *buf, size_t len)
{
	static const struct { const char *prefix, *kind; } k[] = {
		{ NFT_RET_PREFIX, "return" }, { NFT_EXIT_PREFIX, "exit" },
	};
	size_t i, pl, n;

	for (i = 0; i < 2; ++i) {
		pl = strlen(k[i].prefix);
		if (strncmp(name, k[i].prefix, pl))
			continue;
		n = strlen(name + pl);
		/* a set's suffix: "_src4", "_dst6" */
		if (n > 5 && name[pl + n - 5] == '_' &&
		    (!strncmp(name + pl + n - 4, "src", 3) || !strncmp(name + pl + n - 4, "dst", 3)) &&
		    (name[pl + n - 1] == '4' || name[pl + n - 1] == '6'))
			n -= 5;
		snprintf(buf, len, "%s %.*s", k[i].kind, (int)n, name + pl);
		return true;
	}
	return false;
}

/* "return lan: new connection from the tunnel" -> "return lan" */
bool nft_far_comment_owner(const char *comment, char *buf, size_t len)
{
	size_t n;

	if (strncmp(comment, "return ", 7) && strncmp(comment, "exit ", 5))
		return false;
	n = strcspn(comment, ":");
	if (!comment[n] || n + 1 > len)
		return false;
	memcpy(buf, comment, n);
	buf[n] = '\0';
	return true;
}
