/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the nftables stage (nft.h is its outside). Live and desired
 * tables are values of one type, struct nft_state, which holds everything
 * in the table: its counters (and any other stateful object), its sets
 * with their elements, its chains with their rules. The planner compares
 * two of them object by object. Not for use outside src/nft/ and its unit
 * tests.
 *
 * File map: nft_state.c (this type), nft_names.c (families, protocols and
 * set names, both ways), nft_build.c (config -> sets and elements),
 * nft_rules.c (config -> chains and rules), nft_expr.c (rule builders,
 * rule comparison), nft_read.c (kernel -> state), nft_delta.c (what
 * differs), nft_view.c (forwards and egresses as a human reads them),
 * nft_plan.c (plan lines), nft_msg.c (batch messages), nft_batch.c (sync:
 * the batch, generation id, acks; and the stage), nft_record.c (the
 * generation record), nft_recall.c (the table kept beside it).
 */
#ifndef WGB_NFT_INT_H
#define WGB_NFT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "config/model.h"
#include "core/stage.h"
#include "nft.h"

struct nlmsghdr;

#define NFT_TABLE_COMMENT	"managed by wgbastion: edits are undone by the next apply"
#define NFT_BULK_SUM	32	/* a set's two SipHash-2-4 sums (nft_set_sums) */
#define NFT_OBJS_SUM	16	/* the counters' BLAKE2b sum (nft_objs_sum) */

/* ------------------------------------------------------------------ */
/* The state                                                           */
/* ------------------------------------------------------------------ */

/* A stateful object. Ours are all counters; anything else found in the
 * table (put there by hand) is kept as parsed, so that a rollback can put
 * it back. */
struct nft_obj {
	char *name;
	uint32_t seq;			/* order read (the kernel's) or built */
	uint32_t type;			/* NFT_OBJECT_COUNTER, ... */
	uint64_t packets, bytes;	/* counters */
	struct nftnl_obj *raw;		/* non-counters only */
};

/*
 * Set elements live in one flat array per set (stride bytes each), so that
 * 10,000 forwards cost a few hundred kilobytes, not 40,000 allocations:
 * a 12-byte struct nft_elem header, then key, key_end (key_len bytes each)
 * and data (data_len bytes). Strings and the rare rest go to the set's
 * pool: object references, element userdata, and for verdict maps the
 * verdict (an int32) followed by its chain's name.
 */
enum {
	NFT_ELEM_KEY_END = 1 << 0,
	NFT_ELEM_DATA = 1 << 1,
	NFT_ELEM_OBJREF = 1 << 2,
	NFT_ELEM_VERDICT = 1 << 3,	/* str: int32 verdict [+ chain name] */
	NFT_ELEM_CHAIN = 1 << 4,
	NFT_ELEM_UDATA = 1 << 5,
};

/* Two runs of bytes alike: the same length, the same bytes (either may
 * be NULL when empty; both the same run when a recalled set is the built
 * one's). */
static inline bool nft_same_bytes(const void *a, size_t la, const void *b, size_t lb)
{
	return la == lb && (!la || a == b || !memcmp(a, b, la));
}

struct nft_elem {
	uint8_t flags;		/* NFT_SET_ELEM_INTERVAL_END, _CATCHALL */
	uint8_t has;		/* NFT_ELEM_* */
	uint16_t udata_len;
	uint32_t str;		/* pool offset: objref, or verdict [+ chain] */
	uint32_t udata;		/* pool offset */
};

struct nft_set {
	char *name;
	uint32_t seq;		/* order read (the kernel's) or built */
	uint32_t flags;		/* NFT_SET_* */
	uint32_t key_type, key_len;
	uint32_t data_type, data_len;
	uint32_t obj_type;
	uint32_t policy, desc_size;
	uint64_t timeout;	/* ms; meter sets (NFT_SET_TIMEOUT) */
	uint32_t field_count;
	uint8_t field_len[16];	/* NFTA_SET_DESC_CONCAT */
	uint8_t *udata;
	uint32_t udata_len;
	/* elements */
	uint8_t *elems;
	size_t n_elems, cap_elems, stride;
	char *pool;
	size_t pool_len, pool_cap;
	bool sorted;
	/* elems and pool are another state's: a recalled state takes an
	 * unchanged set's from the built one (nft_recall.c), which outlives
	 * it. Not this set's to free or grow until copied (set_own). */
	bool borrowed;
	/* nft_set_sums', kept (has_sum) */
	bool has_sum;
	uint8_t sum[NFT_BULK_SUM];
};

struct nft_rule {
	struct nftnl_rule *r;	/* no table, chain, handle or position */
	char *sig;		/* canonical text: what two rules compare by */
	uint64_t handle;	/* read rules only */
};

struct nft_chain {
	char *name;
	bool base;
	uint32_t hooknum, policy;
	int32_t prio;
	char *type;		/* "filter", "nat" */
	char *sig;		/* definition (hook, type, priority, policy...) */
	struct nftnl_chain *raw;	/* as read, for foreign chains */
	struct nft_rule *rules;
	size_t n_rules, cap_rules;
};

struct nft_state {
	char *table;		/* "wgbastion-wg0" */
	bool table_exists;
	uint32_t genid;		/* generation the state was read at */
	bool built;		/* by nft_build, from a config (not read) */
	/* built: the config's stamp (config/model.h) and IPv6 use, which
	 * the generation record keeps; elided: from a config whose forwards
	 * were not read, so nothing but these (and the name) */
	bool has_stamp, ipv6, elided;
	uint8_t stamp[CONFIG_INPUT_LEN];
	/* recalled: not read but the table kept beside the generation record
	 * (nft_recall.c): no counter values */
	bool recalled;
	/* nft_state_digest's, kept: a built state does not change once
	 * built, and a run asks for its digest more than once */
	bool has_digest;
	uint8_t digest[32];
	uint32_t table_flags;
	uint8_t *table_udata;
	uint32_t table_udata_len;
	/* sorted by name once complete (nft_state_finish); their names are
	 * kept in names, blocks that never move: ten thousand counters are
	 * not ten thousand allocations */
	struct nft_obj *objs;
	size_t n_objs, cap_objs;
	struct nft_names *names;
	struct nft_set *sets;
	size_t n_sets, cap_sets;
	/* in kernel (read) or creation (built) order */
	struct nft_chain *chains;
	size_t n_chains, cap_chains;
	/* objs is the built state's, as borrowed sets are; nft_objs_sum's,
	 * kept (has_objs_sum) */
	bool objs_borrowed, has_objs_sum;
	uint8_t objs_sum[NFT_OBJS_SUM];
};

/* By name (tests, and the views). */
const struct nft_set *nft_state_set(const struct nft_state *st, const char *name);
const struct nft_chain *nft_state_chain(const struct nft_state *st, const char *name);
const struct nft_obj *nft_state_obj(const struct nft_state *st, const char *name);

/* The stage functions, also callable directly (tests). */
int nft_read(const struct instance *in, void **state, struct wgb_err *e);
int nft_build(const struct instance *in, const struct wgb_config *cfg,
	      void **state, struct wgb_err *e);
int nft_diff(const void *from, const void *to, struct plan *p);
int nft_sync(const struct instance *in, const void *from, const void *to,
	     struct wgb_err *e);
void nft_state_free(void *state);

/* Tests: every message of the batch that would take 'from' to 'to'
 * (batch begin and end included), without a kernel; cb returning non-zero
 * stops. And the reader's parser for one such message, as if the kernel
 * had dumped it. */
int nft_batch_for_each(const struct nft_state *from, const struct nft_state *to,
		       int (*cb)(const struct nlmsghdr *nlh, void *data), void *data);
int nft_state_parse_msg(struct nft_state *st, const struct nlmsghdr *nlh);

/* What the last nft_sync sent (tests). */
struct nft_sync_stats {
	unsigned batches;	/* batches sent (more than one: ERESTART retries) */
	unsigned messages;	/* messages in the last batch, begin/end excluded */
	size_t bytes;		/* size of the last batch */
};
extern struct nft_sync_stats nft_last_sync;

/* ---- nft_record.c: what the last run left, so that the next need not
 * read the table back (stage.h: unchanged, settled) ---- */
int nft_unchanged(const struct instance *in, const void *want);
void nft_settled(const struct instance *in, const void *old, const void *want);
int nft_record_forget(const struct instance *in);
/* nft_sync: before a batch, the record no longer holds; after one the
 * kernel took, the generation it left and the state it holds */
void nft_record_invalidate(const struct instance *in);
void nft_record_committed(uint32_t genid, const struct nft_state *to);
/* ---- nft_recall.c: the table the record vouches for, kept beside it ---- */
/* Keeps st (a built state whose digest is given) unless kept already. */
int nft_table_keep(const struct instance *in, const struct nft_state *st,
		   const uint8_t digest[32]);
/* The state kept with this digest, checked; NULL on any doubt. Where the
 * counters or a set's elements are the same as want's (a built state,
 * or NULL), they are want's, unread: want must outlive the state. */
struct nft_state *nft_table_recall(const struct instance *in, const uint8_t digest[32],
				   const struct nft_state *want);
int nft_table_forget(const struct instance *in);
/* stage.h's recall: the table as our last batch left it, when the record
 * proves the kernel still holds it (nft_record.c) */
int nft_recall(const struct instance *in, const void *want, void **live);
/* A digest of everything a built state holds but counter values; a
 * built state's is computed once (st->digest), so st must not change
 * after it is first asked for. */
void nft_state_digest(const struct nft_state *st, uint8_t out[32]);
/* What the digest takes a set's elements and pool, and the counters, by
 * (SipHash and BLAKE2b sums); kept for a built state, as its digest. */
void nft_set_sums(const struct nft_state *st, const struct nft_set *s,
		  uint8_t out[NFT_BULK_SUM]);
void nft_objs_sum(const struct nft_state *st, uint8_t out[NFT_OBJS_SUM]);

/* ------------------------------------------------------------------ */
/* Shared by the nft_*.c files                                         */
/* ------------------------------------------------------------------ */

struct nft_state *nft_state_new(const char *table);
struct nft_obj *nft_state_add_obj(struct nft_state *st, const char *name, uint32_t type);
/* Room for n more objects, made at once (a build knows how many). */
int nft_state_reserve_objs(struct nft_state *st, size_t n);
struct nft_set *nft_state_add_set(struct nft_state *st, const char *name);
struct nft_chain *nft_state_add_chain(struct nft_state *st, const char *name);
/* Takes ownership of r (also on failure); computes the rule's signature. */
/* Takes ownership of c (a parsed or built chain): strips what is not part
 * of its definition (handle, use, counters), names our table in it, and
 * computes its signature. Even on failure c belongs to sc. */
int nft_chain_adopt(struct nft_state *st, struct nft_chain *sc, struct nftnl_chain *c);
int nft_chain_add_rule(struct nft_state *st, struct nft_chain *c,
		       struct nftnl_rule *r, uint64_t handle);
/* Sorts objects and sets by name, elements by key; call once complete. */
int nft_state_finish(struct nft_state *st);
/* qsort, linear on sorted or reverse-sorted input, fine with n == 0. */
void nft_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
int nft_state_set_udata(uint8_t **dst, uint32_t *dst_len, const void *src, uint32_t len);

/* Set geometry must be final (key_len, data_len) before elements. */
void nft_set_layout(struct nft_set *s);
static inline struct nft_elem *nft_set_elem(const struct nft_set *s, size_t i)
{
	return (struct nft_elem *)(s->elems + i * s->stride);
}
static inline uint8_t *nft_elem_key(const struct nft_set *s, const struct nft_elem *el)
{
	(void)s;
	return (uint8_t *)(el + 1);
}
static inline uint8_t *nft_elem_key_end(const struct nft_set *s, const struct nft_elem *el)
{
	return (uint8_t *)(el + 1) + s->key_len;
}
static inline uint8_t *nft_elem_data(const struct nft_set *s, const struct nft_elem *el)
{
	return (uint8_t *)(el + 1) + 2 * s->key_len;
}
/* The object an element refers to, or its verdict's chain. */
static inline const char *nft_elem_str(const struct nft_set *s, const struct nft_elem *el)
{
	return s->pool + el->str + ((el->has & NFT_ELEM_VERDICT) ? 4 : 0);
}
static inline int32_t nft_elem_verdict(const struct nft_set *s, const struct nft_elem *el)
{
	int32_t v;

	memcpy(&v, s->pool + el->str, sizeof(v));
	return v;
}
/* A zeroed element appended to s; NULL when out of memory. */
struct nft_elem *nft_set_push(struct nft_set *s);
/* Copies a string (len bytes, NUL added) to the pool; -ENOMEM or offset. */
int64_t nft_set_pool_put(struct nft_set *s, const void *p, size_t len);
/* Room for n more elements and pool more pool bytes (NULs included), in
 * one block each, faulted in: for a builder that has counted them. */
int nft_set_reserve(struct nft_set *s, size_t n, size_t pool);
/* Order of elements: key, then an interval end before a start (adjacent
 * ranges of an interval set share the key where one ends and the next
 * starts). */
int nft_elem_cmp_id(const struct nft_set *s, const struct nft_elem *a,
		    const struct nft_elem *b);
/* Same identity and same contents. a from sa, b from sb (same geometry). */
bool nft_elem_equal(const struct nft_set *sa, const struct nft_elem *a,
		    const struct nft_set *sb, const struct nft_elem *b);
/* Set definitions (everything but the elements) are equal. */
bool nft_set_def_equal(const struct nft_set *a, const struct nft_set *b);
/* Index of an element with this identity, or -1. s must be sorted. */
ssize_t nft_set_find(const struct nft_set *s, const uint8_t *key, bool end);

/* Makes a rule read from the kernel sendable again (see nft_expr.c). */
int nft_rule_normalise(struct nftnl_rule *r);
/* Canonical text of a rule (expressions and userdata), in a new string. */
char *nft_rule_sig(const struct nftnl_rule *r);
/* The rule's comment, or "" (points into r). */
const char *nft_rule_comment(const struct nftnl_rule *r, char *buf, size_t len);

/* ---- nft_expr.c: rule builders (NULL-safe: an allocation failure makes
 * the rule fail as a whole in nft_rule_done) ---- */
struct nft_rb {
	struct nftnl_rule *r;
	bool oom;
};
void rb_init(struct nft_rb *b);
void rb_meta_load(struct nft_rb *b, uint32_t key, uint32_t dreg);
void rb_meta_set(struct nft_rb *b, uint32_t key, uint32_t sreg);
void rb_cmp(struct nft_rb *b, uint32_t op, uint32_t sreg, const void *data, uint32_t len);
void rb_cmp_u8(struct nft_rb *b, uint32_t op, uint8_t v);
void rb_cmp_u32(struct nft_rb *b, uint32_t op, uint32_t v);
void rb_cmp_ifname(struct nft_rb *b, uint32_t op, const char *name);
void rb_payload(struct nft_rb *b, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg);
void rb_lookup(struct nft_rb *b, const char *set, uint32_t sreg, int dreg, bool inv);
void rb_ct_load(struct nft_rb *b, uint32_t key, int dir, uint32_t dreg);
void rb_ct_set(struct nft_rb *b, uint32_t key, uint32_t sreg);
void rb_bitwise(struct nft_rb *b, uint32_t reg, uint32_t mask, uint32_t xor_, uint32_t len);
void rb_byteorder(struct nft_rb *b, uint32_t reg, uint32_t op, uint32_t len, uint32_t size);
void rb_verdict(struct nft_rb *b, int verdict);
void rb_nat(struct nft_rb *b, uint32_t type, uint32_t family, int reg_addr, int reg_proto);
void rb_masq(struct nft_rb *b);
void rb_objref_name(struct nft_rb *b, uint32_t type, const char *name);
void rb_objref_map(struct nft_rb *b, const char *set, uint32_t sreg);
void rb_fib(struct nft_rb *b, uint32_t result, uint32_t flags, uint32_t dreg);
void rb_rt(struct nft_rb *b, uint32_t key, uint32_t dreg);
void rb_exthdr_write(struct nft_rb *b, uint8_t type, uint32_t off, uint32_t len,
		     uint32_t op, uint32_t sreg);
/* update/add @set { key in sreg... limit rate over N/unit burst N packets }
 * (rate != 0) or { ... ct count over N } (conn != 0). */
void rb_dynset_limit(struct nft_rb *b, const char *set, uint32_t op, uint32_t sreg,
		     uint32_t rate, uint32_t unit, uint32_t conn);
/* DREG = DATA (LEN bytes, as given: network order for packet fields) */
void rb_imm_data(struct nft_rb *b, uint32_t dreg, const void *data, uint32_t len);
/* log prefix PREFIX level info (group < 0), or log prefix PREFIX group N */
void rb_log(struct nft_rb *b, const char *prefix, int group);
void rb_comment(struct nft_rb *b, const char *comment);
/* Returns the rule (normalised by a netlink round trip) or NULL. */
struct nftnl_rule *rb_done(struct nft_rb *b);
/* A register holding bytes from offset 'off' (a multiple of 4) of the
 * register file, as the kernel names it in dumps: NFT_REG_x when 16-byte
 * aligned, NFT_REG32_xx otherwise. */
uint32_t nft_reg(uint32_t off);

/* ---- nft_read.c: reading ---- */
struct mnl_socket;
struct nlmsghdr;
struct mnl_socket *nft_socket_open(struct wgb_err *e);
int nft_read_state(struct mnl_socket *nl, const char *table,
		   struct nft_state **out, struct wgb_err *e);
int nft_getgen(struct mnl_socket *nl, uint32_t *genid, struct wgb_err *e);
uint32_t nft_next_seq(void);

/* ---- nft_names.c: our families, protocols and set names ---- */
struct nft_fam {
	int af;
	const char *sfx;	/* "4", "6" */
	uint8_t nfproto;
	uint32_t alen;		/* address bytes */
	uint32_t atype;
	uint32_t saddr, daddr;	/* offsets in the network header */
	uint32_t ct_src;	/* NFT_CT_SRC_IP / _IP6 */
};
struct nft_proto {
	unsigned bit;
	const char *name;
	uint8_t num;
};
extern const struct nft_fam nft_fams[2];	/* IPv4, IPv6 */
extern const struct nft_proto nft_protos[2];	/* tcp, udp */

/* The kinds of forward sets (docs/ruleset.md): openF_P, allowF_P,
 * dnatF_P, dnatF_P_keep, countF_P, masqF_P, and the limits' rateF_P,
 * connF_P (verdict maps to a chain per distinct limit) and limitdropF_P
 * (what the limits drop, counted per forward); logF_P (verdict map to the
 * log_NAME chain of a forward with Log); allowfileF_P (verdict map to
 * the allowfile_NAME chain of a forward with AllowFile). */
enum nft_fs_kind {
	NFT_FS_OPEN, NFT_FS_ALLOW, NFT_FS_DNAT, NFT_FS_KEEP, NFT_FS_COUNT, NFT_FS_MASQ,
	NFT_FS_RATE, NFT_FS_CONN, NFT_FS_LIMITDROP, NFT_FS_LOG, NFT_FS_ALLOWFILE,
	NFT_FS_KINDS
};

/* The chain of one distinct limit, "rate_20_second", "rate_3_minute",
 * "conn_100", and its meter set ("rate_20_second4", "conn_100_4"). */
void nft_rate_chain_name(char *buf, size_t len, uint32_t rate, uint32_t unit);
void nft_conn_chain_name(char *buf, size_t len, uint32_t limit);
/* "allowfile_web": the set of forward web's AllowFile prefixes, and the
 * chain that admits the clients in it. */
#define NFT_ALLOWFILE_PREFIX "allowfile_"
void nft_allowfile_name(char *buf, size_t len, const char *forward);
/* "log_web": the chain that logs forward web's new connections. */
void nft_log_chain_name(char *buf, size_t len, const char *forward);
/* An egress's sets: egress_NAME_srcF, _dstF, _denyF. */
enum nft_es_kind { NFT_ES_SRC, NFT_ES_DST, NFT_ES_DENY, NFT_ES_KINDS };

/* "dnat4_tcp_keep": fam and proto index nft_fams and nft_protos. */
void nft_fwd_set_name(char *buf, size_t len, enum nft_fs_kind k, size_t fam, size_t proto);
/* And back: fam 4 or 6, proto IPPROTO_TCP or _UDP. */
bool nft_fwd_set_parse(const char *name, enum nft_fs_kind *k, int *fam, int *proto);
/* "egress_lan_src4", and back (the egress name into egress, fam 4 or 6). */
void nft_egr_set_name(char *buf, size_t len, const char *egress, enum nft_es_kind k, size_t fam);
bool nft_egr_set_parse(const char *name, char *egress, size_t len, enum nft_es_kind *k,
		       int *fam);
bool nft_egress_has_family(const struct wgb_egress *eg, int af);
/* The far side's sets: "return_NAME_dst4", "exit_NAME_src6" (prefix is
 * NFT_RET_PREFIX or NFT_EXIT_PREFIX, what "src" or "dst"). */
void nft_far_set_name(char *buf, size_t len, const char *prefix, const char *name,
		      const char *what, size_t fam);
/* The [Return] or [Exit] a set, counter or rule comment belongs to: its
 * kind ("return", "exit") and name into buf; false for anything else. */
bool nft_far_owner(const char *name, char *buf, size_t len);
bool nft_far_comment_owner(const char *comment, char *buf, size_t len);

/* ---- nft_build.c, nft_rules.c: the desired table ---- */
/* A distinct RateLimit (rate/unit) or ConnLimit (conn) of the config. */
struct nft_limit {
	uint32_t rate, unit, conn;
};

struct range;

/* A table being built from a config; err is the first failure. */
struct nft_bld {
	struct nft_state *st;
	const struct wgb_config *cfg;
	const char *ifname;
	uint32_t ing, egr;
	uint32_t ret, ext;	/* the far side's conntrack bits */
	const struct nft_set *fs[NFT_FS_KINDS][2][2];
	struct nft_limit *limits;	/* sorted, unique */
	size_t n_limits;
	/* counting: a first pass over the forwards adds nothing but counts,
	 * per set (by index), the elements and pool bytes the second adds */
	bool counting;
	size_t (*want)[2];
	/* a forward's default Allow (everyone), as ranges, per family */
	struct range *everyone[2];
	int err;
};
/* Forward sets whose elements or pool the build added other than it
 * counted first: only a doubling more when it happens, a test looks. */
extern size_t nft_build_miscounted;
/* The four chains and their rules. */
void nft_build_chains(struct nft_bld *b);

/* ---- nft_msg.c: the messages of a batch ---- */
#define BATCH_PAGE	(4096 * 1024)
#define BATCH_OVERRUN	(64 * 1024)	/* always free past a page's end */
#define ELEM_MSG_MAX	(32 * 1024)	/* element messages stop growing here */
#define RULE_MSG_MAX	(8 * 1024)	/* a rule message is far smaller */

#define NOTE_MAX	112	/* "adding elements to set dnat4_tcp" */

struct nft_msg_note {
	uint32_t seq;
	uint32_t what;		/* offset of its text in the batch's pool */
	const char *name;	/* and this after it (bat_msg_start_named), or NULL */
};

/* A batch being built: its pages, sequence numbers and one note per
 * message; t->err is the first failure (every later call does nothing). */
struct nft_bat {
	struct nftnl_batch *b;
	const char *table;
	uint32_t seq, first;	/* next sequence number, first message's */
	uint32_t set_id;
	struct nft_msg_note *notes;
	size_t n, cap;
	/* the notes' texts, each as long as it is: ten thousand messages
	 * of fixed-size notes were 1.9 MB of a cold apply's peak */
	char *pool;
	size_t pool_len, pool_cap;
	const char *named_what;	/* the words of the last named note, at named_at */
	uint32_t named_at;
	/* the last message so far: the only one that asks for an ack (the
	 * kernel reports an error of any message whether asked or not) */
	struct nlmsghdr *last;
	struct nlmsghdr *head;	/* the first message (a test hook breaks it) */
	/* what bat_zero() has zeroed of the current page, from where it
	 * found the page's end: each byte once, not once per message; and
	 * how far it has faulted the page in */
	uintptr_t zero_lo, zero_hi, faulted;
	int err;
};

/* The next n bytes at the batch's end zeroed (see bat_msg_start). */
void bat_zero(struct nft_bat *t, size_t n);

struct nft_idx;
struct nlmsghdr *bat_msg_start(struct nft_bat *t, uint16_t type, uint16_t flags,
			       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct nlmsghdr *bat_msg_start_named(struct nft_bat *t, uint16_t type, uint16_t flags,
				     const char *what, const char *name);
void bat_msg_end(struct nft_bat *t);
void bat_table_add(struct nft_bat *t, const struct nft_state *st);
void bat_table_del(struct nft_bat *t);
/* A counter made again keeps its value from 'keep' when that has it. */
void bat_obj_add(struct nft_bat *t, const struct nft_obj *o, const struct nft_state *keep);
void bat_obj_del(struct nft_bat *t, const struct nft_obj *o);
/* Returns the set's id in the batch (how anonymous sets are known). */
uint32_t bat_set_add(struct nft_bat *t, const struct nft_set *s);
void bat_set_del(struct nft_bat *t, const struct nft_set *s);
/* The elements of s listed in idx (all when NULL), added or deleted. */
void bat_elems(struct nft_bat *t, const struct nft_set *s, const struct nft_idx *idx, bool add);
void bat_chain(struct nft_bat *t, uint16_t type, const struct nft_chain *c);
void bat_chain_flush(struct nft_bat *t, const struct nft_chain *c);
/* Every rule of c (c belongs to st), in order. */
void bat_chain_fill(struct nft_bat *t, const struct nft_state *st, const struct nft_chain *c);

/* ---- nft_delta.c: what differs between two states ---- */
struct nft_idx {
	size_t *v;
	size_t n, cap;
};

struct nft_set_delta {
	size_t from, to;	/* indexes into from->sets / to->sets */
	struct nft_idx del, add;	/* element indexes in from / to */
};

struct nft_delta {
	bool create;		/* to has a table, from has none */
	bool destroy;		/* from has a table, to has none */
	bool rebuild;		/* both, but a definition differs: delete and recreate */
	const char *rebuild_why;
	char why_buf[160];
	struct nft_idx obj_del, obj_add;	/* from->objs / to->objs */
	struct nft_idx set_del, set_add;	/* from->sets / to->sets */
	struct nft_set_delta *sets;		/* sets in both whose elements differ */
	size_t n_sets;
	struct nft_idx chain_del, chain_add;	/* from / to */
	struct nft_idx chain_fill;		/* in both, rules differ (index in to) */
	struct nft_idx chain_fill_from;		/* ... and in from */
};

int nft_delta_compute(const struct nft_state *from, const struct nft_state *to,
		      struct nft_delta *d);
bool nft_delta_empty(const struct nft_delta *d);
void nft_delta_free(struct nft_delta *d);
int nft_idx_push(struct nft_idx *x, size_t v);

/* ---- nft_view.c (the views are nft.h's) ---- */
/* The forward sets of a state by kind, family (0: IPv4, 1: IPv6) and
 * protocol (0: tcp, 1: udp); NULL where a state lacks one. */
void nft_fwd_sets(const struct nft_state *st, const struct nft_set *out[NFT_FS_KINDS][2][2]);
/* The interface name a rule matches with `oifname NAME`, or unchanged buf. */
void nft_rule_oifname(const struct nftnl_rule *r, char *buf, size_t len);

#endif
