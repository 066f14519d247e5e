// SPDX-License-Identifier: GPL-2.0-only
/* A process's executable file mappings: PROCMAP_QUERY where the kernel has it, else the text. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tls/maps.h"

/* The uapi of Linux 6.11 (include/uapi/linux/fs.h); Debian 12's headers predate it. */
struct procmap_query_v1 {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

_Static_assert(sizeof(struct procmap_query_v1) == 104, "the kernel's struct procmap_query");

#define Q_VMA_EXECUTABLE       0x04
#define Q_COVERING_OR_NEXT_VMA 0x10
#define Q_FILE_BACKED_VMA      0x20
#define EW_PROCMAP_QUERY       _IOWR('f', 17, struct procmap_query_v1)

#define MAPS_MAX (64u << 20)

struct ew_maps {
	bool text_only; /* the ioctl is not there (or not wanted) */
	bool used_query;
	char *buf; /* the text of maps, or one name */
	size_t cap;
	char name[PATH_MAX];
};

int ew_maps_new(bool text_only, struct ew_maps **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->text_only = text_only;
	return 0;
}

void ew_maps_free(struct ew_maps *m)
{
	if (!m)
		return;
	free(m->buf);
	free(m);
}

bool ew_maps_uses_query(const struct ew_maps *m)
{
	return m->used_query;
}

/* Return: known count, -ENOTTY when the kernel has no PROCMAP_QUERY, or -errno. */
static int by_query(struct ew_maps *m, int fd, ew_maps_known_fn known, ew_maps_fn fn, void *ctx)
{
	uint64_t addr = 0;
	int n_known = 0;

	for (;;) {
		struct procmap_query_v1 q = {
		    .size = sizeof(q),
		    .query_flags = Q_VMA_EXECUTABLE | Q_COVERING_OR_NEXT_VMA | Q_FILE_BACKED_VMA,
		    .query_addr = addr,
		};
		struct ew_maps_entry e;

		if (ioctl(fd, EW_PROCMAP_QUERY, &q))
			return errno == ENOENT ? n_known : -errno;
		if (q.vma_end <= addr)
			return -EIO; /* no progress: never loop */
		addr = q.vma_end;
		e = (struct ew_maps_entry){q.vma_start, q.vma_end,
					   makedev(q.dev_major, q.dev_minor), q.inode, m->name};
		if (!e.ino || known(ctx, e.dev, e.ino)) {
			n_known++;
			continue;
		}
		/* Only now the name: the kernel formats a path for this one mapping. */
		q = (struct procmap_query_v1){
		    .size = sizeof(q),
		    .query_flags = Q_VMA_EXECUTABLE | Q_FILE_BACKED_VMA,
		    .query_addr = e.start,
		    .vma_name_size = sizeof(m->name),
		    .vma_name_addr = (uint64_t)(uintptr_t)m->name,
		};
		if (ioctl(fd, EW_PROCMAP_QUERY, &q) || !q.vma_name_size)
			continue; /* unmapped meanwhile */
		m->name[sizeof(m->name) - 1] = '\0';
		if (m->name[0] == '/')
			fn(ctx, &e);
	}
}

/* The whole text in m->buf: each read formats from a line's start again, so few big reads. */
static ssize_t read_all(struct ew_maps *m, int fd)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (m->cap - len < 4096) {
			size_t cap = m->cap ? m->cap * 2 : 65536;
			char *b = cap <= MAPS_MAX ? realloc(m->buf, cap) : NULL;

			if (!b)
				return -ENOMEM;
			m->buf = b;
			m->cap = cap;
		}
		n = read(fd, m->buf + len, m->cap - len - 1);
		if (n < 0)
			return -errno;
		if (!n)
			break;
		len += (size_t)n;
	}
	m->buf[len] = '\0';
	return (ssize_t)len;
}

/* One line: "start-end perms offset maj:min inode   path". */
static bool parse_line(char *line, struct ew_maps_entry *e)
{
	unsigned long maj, min;
	char *p = line, *q;

	e->start = strtoull(p, &q, 16);
	if (*q != '-')
		return false;
	e->end = strtoull(q + 1, &p, 16);
	if (*p != ' ' || strlen(p) < 6 || p[3] != 'x')
		return false;
	p += 6;
	strtoull(p, &q, 16); /* offset */
	maj = strtoul(q, &p, 16);
	if (*p != ':')
		return false;
	min = strtoul(p + 1, &q, 16);
	e->dev = makedev(maj, min);
	e->ino = strtoull(q, &p, 10);
	while (*p == ' ')
		p++;
	e->name = p;
	return e->ino && *p == '/';
}

static int by_text(struct ew_maps *m, int fd, ew_maps_known_fn known, ew_maps_fn fn, void *ctx)
{
	ssize_t len = read_all(m, fd);
	char *line, *next;
	int n_known = 0;

	if (len < 0)
		return (int)len;
	for (line = m->buf; line < m->buf + len; line = next) {
		struct ew_maps_entry e;

		next = strchr(line, '\n');
		next = next ? next + 1 : m->buf + len;
		next[-1] = '\0';
		if (!parse_line(line, &e))
			continue;
		if (known(ctx, e.dev, e.ino))
			n_known++;
		else
			fn(ctx, &e);
	}
	return n_known;
}

int ew_maps_each_exec(struct ew_maps *m, int pid, ew_maps_known_fn known, ew_maps_fn fn, void *ctx)
{
	char path[64];
	int fd, rc = -ENOTTY;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	m->used_query = false;
	if (!m->text_only) {
		rc = by_query(m, fd, known, fn, ctx);
		/* ENOTTY: a kernel before 6.11; EINVAL: one that refuses this struct. */
		if (rc == -ENOTTY || rc == -EINVAL)
			m->text_only = true;
		else
			m->used_query = true;
	}
	if (m->text_only)
		rc = by_text(m, fd, known, fn, ctx);
	close(fd);
	return rc;
}
