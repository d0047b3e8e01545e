/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An nft state as text, one object per line, for the tests: two states
 * print alike exactly when they would diff as equal (counter values aside,
 * which are not printed).
 */
#ifndef WGB_NFT_PRINT_H
#define WGB_NFT_PRINT_H

#include <netinet/in.h>
#include <stdio.h>

#include <linux/netfilter/nf_tables.h>

#include "nft/nft_int.h"

static inline void print_hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; ++i)
		fprintf(f, "%02x", p[i]);
}

static inline void elem_print(FILE *f, const struct nft_set *s, const struct nft_elem *el)
{
	fputs("\t\telem ", f);
	print_hex(f, nft_elem_key(s, el), s->key_len);
	if (el->has & NFT_ELEM_KEY_END) {
		fputs(" - ", f);
		print_hex(f, nft_elem_key_end(s, el), s->key_len);
	}
	if (el->flags)
		fprintf(f, " flags 0x%x", el->flags);
	if (el->has & NFT_ELEM_DATA) {
		fputs(" : ", f);
		print_hex(f, nft_elem_data(s, el), s->data_len);
	}
	if (el->has & NFT_ELEM_VERDICT)
		fprintf(f, " : verdict %d", nft_elem_verdict(s, el));
	if (el->has & (NFT_ELEM_OBJREF | NFT_ELEM_CHAIN))
		fprintf(f, " : \"%s\"", nft_elem_str(s, el));
	if (el->has & NFT_ELEM_UDATA) {
		fputs(" udata ", f);
		print_hex(f, (const uint8_t *)s->pool + el->udata, el->udata_len);
	}
	fputc('\n', f);
}

static inline void nft_state_print(const struct nft_state *st, FILE *f)
{
	size_t i, j;

	if (!st->table_exists) {
		fprintf(f, "no table %s\n", st->table);
		return;
	}
	fprintf(f, "table inet %s flags 0x%x udata ", st->table, st->table_flags);
	print_hex(f, st->table_udata, st->table_udata_len);
	fputc('\n', f);
	for (i = 0; i < st->n_objs; ++i)
		fprintf(f, "\tobj %s type %u\n", st->objs[i].name, st->objs[i].type);
	for (i = 0; i < st->n_sets; ++i) {
		const struct nft_set *s = &st->sets[i];

		fprintf(f, "\tset %s flags 0x%x key %u/%u data %u/%u obj %u policy %u size %u fields",
			s->name, s->flags, s->key_type, s->key_len, s->data_type, s->data_len,
			s->obj_type, s->policy, s->desc_size);
		for (j = 0; j < s->field_count; ++j)
			fprintf(f, " %u", s->field_len[j]);
		fputs(" udata ", f);
		print_hex(f, s->udata, s->udata_len);
		fputc('\n', f);
		for (j = 0; j < s->n_elems; ++j)
			elem_print(f, s, nft_set_elem(s, j));
	}
	for (i = 0; i < st->n_chains; ++i) {
		const struct nft_chain *c = &st->chains[i];

		fprintf(f, "\tchain %s %s\n", c->name, c->sig);
		for (j = 0; j < c->n_rules; ++j)
			fprintf(f, "\t\trule %s\n", c->rules[j].sig);
	}
}

#endif
