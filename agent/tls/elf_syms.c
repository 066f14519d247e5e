// SPDX-License-Identifier: GPL-2.0-only
/* Function offsets, build id, version definitions and version strings of one ELF file. */
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls/elf_syms.h"

#define MAX_LOADS    32
#define MAX_VERDEFS  4096
#define RODATA_LIMIT (64u << 20)

struct ew_elf_syms {
	Elf *elf;
	int fd;
	uint64_t fsize;
	size_t shstrndx;
	GElf_Phdr loads[MAX_LOADS];
	int n_loads;
};

int ew_elf_syms_open(int fd, struct ew_elf_syms **out)
{
	struct ew_elf_syms *e;
	struct stat st;
	size_t nph;
	int rc = -ENOEXEC;

	*out = NULL;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->fsize = (uint64_t)st.st_size;
	e->fd = fd;
	e->elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF || elf_getshdrstrndx(e->elf, &e->shstrndx) ||
	    elf_getphdrnum(e->elf, &nph))
		goto fail;
	for (size_t i = 0; i < nph && e->n_loads < MAX_LOADS; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e->elf, (int)i, &ph))
			goto fail;
		/* Code has to be in the file: a segment past its end holds none. */
		if (ph.p_type != PT_LOAD || ph.p_offset > e->fsize ||
		    ph.p_filesz > e->fsize - ph.p_offset)
			continue;
		e->loads[e->n_loads++] = ph;
	}
	*out = e;
	return 0;
fail:
	ew_elf_syms_close(e);
	return rc;
}

int ew_elf_syms_read_code(struct ew_elf_syms *e, uint64_t off, void *buf, size_t n)
{
	for (int i = 0; i < e->n_loads; i++) {
		const GElf_Phdr *ph = &e->loads[i];

		if (!(ph->p_flags & PF_X) || off < ph->p_offset ||
		    off - ph->p_offset > ph->p_filesz || n > ph->p_filesz - (off - ph->p_offset))
			continue;
		return pread(e->fd, buf, n, (off_t)off) == (ssize_t)n ? 0 : -EIO;
	}
	return -ERANGE;
}

void ew_elf_syms_close(struct ew_elf_syms *e)
{
	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	free(e);
}

static int file_offset(const struct ew_elf_syms *e, uint64_t vaddr, uint64_t *off)
{
	for (int i = 0; i < e->n_loads; i++) {
		const GElf_Phdr *ph = &e->loads[i];

		if (vaddr >= ph->p_vaddr && vaddr - ph->p_vaddr < ph->p_filesz) {
			*off = vaddr - ph->p_vaddr + ph->p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

static Elf_Scn *section_of_type(struct ew_elf_syms *e, Elf64_Word type, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn)))
		if (gelf_getshdr(scn, sh) && sh->sh_type == type)
			return scn;
	return NULL;
}

static Elf_Scn *section_named(struct ew_elf_syms *e, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e->elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, sh))
			continue;
		n = elf_strptr(e->elf, e->shstrndx, sh->sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* A section's bytes, or NULL when it has none in the file or they do not fit in it. */
static Elf_Data *section_data(struct ew_elf_syms *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d;

	if (sh->sh_type == SHT_NOBITS || sh->sh_offset > e->fsize ||
	    sh->sh_size > e->fsize - sh->sh_offset)
		return NULL;
	d = elf_getdata(scn, NULL);
	return d && d->d_buf ? d : NULL;
}

typedef bool (*sym_fn)(void *arg, const char *name, const GElf_Sym *sym);

/* Calls @fn for every named symbol of the first section of @type until it returns false. */
static int each_symbol(struct ew_elf_syms *e, Elf64_Word type, sym_fn fn, void *arg)
{
	size_t entsize = gelf_fsize(e->elf, ELF_T_SYM, 1, EV_CURRENT);
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf_Data *d;

	scn = section_of_type(e, type, &sh);
	if (!scn)
		return -ENOENT;
	d = section_data(e, scn, &sh);
	if (!d || !entsize)
		return -ENOEXEC;
	for (size_t i = 1; i < d->d_size / entsize; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(d, (int)i, &sym) || !sym.st_name)
			continue;
		name = elf_strptr(e->elf, sh.sh_link, sym.st_name);
		if (name && *name && !fn(arg, name, &sym))
			break;
	}
	return 0;
}

struct find_ctx {
	struct ew_elf_syms *e;
	struct ew_elf_sym_query *q;
	int n, found;
};

static bool find_one(void *arg, const char *name, const GElf_Sym *sym)
{
	struct find_ctx *c = arg;
	int type = GELF_ST_TYPE(sym->st_info);

	for (int i = 0; i < c->n; i++) {
		struct ew_elf_sym_query *q = &c->q[i];

		if (q->state == EW_ELF_SYM_DEFINED || name[0] != q->name[0] ||
		    strcmp(name, q->name))
			continue;
		if (sym->st_shndx == SHN_UNDEF) {
			if (type == STT_FUNC || type == STT_NOTYPE || type == STT_GNU_IFUNC)
				q->state = EW_ELF_SYM_UNDEF;
			continue;
		}
		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		if (file_offset(c->e, sym->st_value, &q->offset))
			continue;
		q->state = EW_ELF_SYM_DEFINED;
		c->found++;
	}
	return c->found < c->n;
}

int ew_elf_syms_find(struct ew_elf_syms *e, struct ew_elf_sym_query *q, int n)
{
	struct find_ctx c = {.e = e, .q = q, .n = n};
	int rc_dyn, rc_sym;

	for (int i = 0; i < n; i++) {
		q[i].state = EW_ELF_SYM_ABSENT;
		q[i].offset = 0;
	}
	rc_dyn = each_symbol(e, SHT_DYNSYM, find_one, &c);
	if (c.found == n)
		return n;
	rc_sym = each_symbol(e, SHT_SYMTAB, find_one, &c);
	if (rc_dyn == -ENOEXEC && rc_sym == -ENOEXEC)
		return -ENOEXEC;
	return c.found;
}

int ew_elf_syms_build_id(struct ew_elf_syms *e, char *hex, size_t len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = section_data(e, scn, &sh);
		if (!d)
			continue;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;

			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((const char *)d->d_buf + name_off, "GNU", 4) || !nh.n_descsz)
				continue;
			if (len < nh.n_descsz * 2 + 1)
				return -ENOSPC;
			for (size_t i = 0; i < nh.n_descsz; i++) {
				hex[2 * i] = "0123456789abcdef"[desc[i] >> 4];
				hex[2 * i + 1] = "0123456789abcdef"[desc[i] & 15];
			}
			hex[nh.n_descsz * 2] = '\0';
			return 0;
		}
	}
	return -ENOENT;
}

int ew_elf_syms_version(const char *s, unsigned int *v, int n)
{
	int k = 0;

	while (k < n && isdigit((unsigned char)*s)) {
		unsigned long x = 0;

		while (isdigit((unsigned char)*s)) {
			x = x * 10 + (unsigned long)(*s++ - '0');
			if (x > 1000000)
				x = 1000000;
		}
		v[k++] = (unsigned int)x;
		if ((*s != '.' && *s != '_') || !isdigit((unsigned char)s[1]))
			break;
		s++;
	}
	return k;
}

static int version_cmp(const char *a, const char *b)
{
	unsigned int va[4] = {0}, vb[4] = {0};

	ew_elf_syms_version(a, va, 4);
	ew_elf_syms_version(b, vb, 4);
	for (int i = 0; i < 4; i++)
		if (va[i] != vb[i])
			return va[i] < vb[i] ? -1 : 1;
	return 0;
}

int ew_elf_syms_verdef_max(struct ew_elf_syms *e, const char *prefix, char *out, size_t len)
{
	size_t plen = strlen(prefix), off = 0;
	const char *best = NULL;
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf_Data *d;

	scn = section_of_type(e, SHT_GNU_verdef, &sh);
	d = scn ? section_data(e, scn, &sh) : NULL;
	for (int i = 0; d && i < MAX_VERDEFS; i++) {
		GElf_Verdef vd;
		GElf_Verdaux va;
		const char *name;

		if (!gelf_getverdef(d, (int)off, &vd))
			break;
		if (vd.vd_aux && off + vd.vd_aux <= d->d_size &&
		    gelf_getverdaux(d, (int)(off + vd.vd_aux), &va) &&
		    (name = elf_strptr(e->elf, sh.sh_link, va.vda_name)) &&
		    !strncmp(name, prefix, plen) && isdigit((unsigned char)name[plen]) &&
		    (!best || version_cmp(name + plen, best + plen) > 0))
			best = name;
		if (!vd.vd_next || vd.vd_next > d->d_size - off)
			break;
		off += vd.vd_next;
	}
	if (!best)
		return -ENOENT;
	if (strlen(best) >= len)
		return -ENOSPC;
	strcpy(out, best);
	return 0;
}

static bool is_build_version(void *arg, const char *name, const GElf_Sym *sym)
{
	bool *found = arg;

	if (!strcmp(name, "runtime.buildVersion") && sym->st_shndx != SHN_UNDEF)
		*found = true;
	return !*found;
}

bool ew_elf_syms_is_go(struct ew_elf_syms *e)
{
	bool found = false;
	GElf_Shdr sh;

	if (section_named(e, ".go.buildinfo", &sh) || section_named(e, ".note.go.buildid", &sh))
		return true;
	each_symbol(e, SHT_SYMTAB, is_build_version, &found);
	return found;
}

static Elf_Data *rodata(struct ew_elf_syms *e)
{
	Elf_Scn *scn;
	GElf_Shdr sh;

	scn = section_named(e, ".rodata", &sh);
	if (!scn || sh.sh_size > RODATA_LIMIT)
		return NULL;
	return section_data(e, scn, &sh);
}

/* Copies the printable start of the string at @s (at most @len - 1 bytes). */
static void copy_string(const char *s, const char *end, char *out, size_t len)
{
	size_t n = 0;

	while (s + n < end && n + 1 < len && isprint((unsigned char)s[n]))
		n++;
	memcpy(out, s, n);
	out[n] = '\0';
}

int ew_elf_syms_rodata_find(struct ew_elf_syms *e, const char *prefix, char *out, size_t len)
{
	size_t plen = strlen(prefix);
	Elf_Data *d = rodata(e);
	const char *p, *end;

	if (!len || !plen)
		return -EINVAL;
	if (!d)
		return -ENOENT;
	p = d->d_buf;
	end = p + d->d_size;
	while (p < end && (p = memmem(p, (size_t)(end - p), prefix, plen))) {
		const char *s = p;

		p += plen;
		/* The start of a string: a NUL before it (or the section's start), a digit after.
		 */
		if ((s > (const char *)d->d_buf && s[-1] != '\0') || p >= end ||
		    !isdigit((unsigned char)*p))
			continue;
		copy_string(s, end, out, len);
		return 0;
	}
	return -ENOENT;
}

/* The NUL-terminated string at @s is "M.N.P" with M in [@lo, @hi]. */
static bool is_bare_version(const char *s, const char *end, unsigned int lo, unsigned int hi)
{
	unsigned int v[3];
	const char *p = s;
	int dots = 0;

	while (p < end && (isdigit((unsigned char)*p) || *p == '.')) {
		dots += *p == '.';
		p++;
	}
	if (p >= end || *p || p - s > 16 || dots != 2)
		return false;
	return ew_elf_syms_version(s, v, 3) == 3 && v[0] >= lo && v[0] <= hi;
}

int ew_elf_syms_rodata_version(struct ew_elf_syms *e, const char *marker, unsigned int lo,
			       unsigned int hi, char *out, size_t len)
{
	size_t mlen = strlen(marker) + 1; /* with its NUL: the whole string */
	Elf_Data *d = rodata(e);
	const char *start, *end, *p;
	bool marked = false;

	if (!len || !d)
		return -ENOENT;
	start = d->d_buf;
	end = start + d->d_size;
	for (p = start; !marked && p < end && (p = memmem(p, (size_t)(end - p), marker, mlen));
	     p += mlen)
		marked = p == start || p[-1] == '\0';
	if (!marked)
		return -ENOENT;
	for (p = start; p < end; p++) {
		if (!isdigit((unsigned char)*p) || (p > start && p[-1] != '\0'))
			continue;
		if (is_bare_version(p, end, lo, hi)) {
			copy_string(p, end, out, len);
			return 0;
		}
	}
	return -ENOENT;
}
