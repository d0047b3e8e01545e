// SPDX-License-Identifier: GPL-2.0-only
/*
 * The build id is in the running binary's PT_NOTE segment, already mapped:
 * glibc's dl_iterate_phdr hands us the program headers (the main program
 * first), and the note is walked in place, with no file read. The note
 * format (Elf_Nhdr, name and descriptor each padded to 4 bytes) is the
 * ELF gABI's; <elf.h> has the types, libelf would be a dependency for
 * twenty lines.
 */
#include <elf.h>
#include <link.h>
#include <string.h>

#include "buildid.h"

struct found {
	const uint8_t *id;
	size_t len;
};

#define ALIGN4(n) (((n) + 3u) & ~(size_t)3u)

static int main_program(struct dl_phdr_info *info, size_t size, void *data)
{
	struct found *f = data;
	size_t i, off, len;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; ++i) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);

		if (ph->p_type != PT_NOTE)
			continue;
		for (off = 0; off + sizeof(ElfW(Nhdr)) <= ph->p_memsz; off += len) {
			ElfW(Nhdr) n;

			memcpy(&n, p + off, sizeof(n));
			len = sizeof(n) + ALIGN4(n.n_namesz) + ALIGN4(n.n_descsz);
			if (len > ph->p_memsz - off)
				break;
			if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 &&
			    !memcmp(p + off + sizeof(n), "GNU", 4) && n.n_descsz) {
				f->id = p + off + sizeof(n) + 4;
				f->len = n.n_descsz;
				return 1;
			}
		}
	}
	return 1;	/* the main program comes first: look no further */
}

const uint8_t *build_id(size_t *len)
{
	static struct found f;
	static int done;

	if (!done) {
		dl_iterate_phdr(main_program, &f);
		done = 1;
	}
	*len = f.len;
	return f.id;
}
