// SPDX-License-Identifier: GPL-2.0-only
#include "pipeline/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ew.h"

#define MAGIC	   "EWCAPTR"
#define HEADER_LEN 128
#define MAX_FRAME  65536

struct header {
	char magic[8];
	uint16_t abi_major; /* ABI 2.0 wrote one little-endian u32 here: 2, 0 */
	uint16_t abi_minor;
	uint32_t header_len;
	char boot_id[40];
	char hostname[64];
	char _pad[HEADER_LEN - 8 - 4 - 4 - 40 - 64];
};
_Static_assert(sizeof(struct header) == HEADER_LEN, "capture header layout");

struct ew_capture {
	FILE *f;
	int err;
};

struct ew_capture_reader {
	FILE *f;
	uint64_t offset;
	/* Frames alternate between two buffers: a caller may look one frame ahead. */
	unsigned char buf[2][MAX_FRAME] __attribute__((aligned(8)));
	unsigned int cur;
};

int ew_capture_create(const char *path, const struct ew_capture_meta *m, struct ew_capture **out)
{
	struct header h = {
	    .abi_major = EW_ABI_MAJOR, .abi_minor = EW_ABI_MINOR, .header_len = HEADER_LEN};
	struct ew_capture *c;
	int fd;

	memcpy(h.magic, MAGIC, sizeof(MAGIC));
	snprintf(h.boot_id, sizeof(h.boot_id), "%s", m->boot_id);
	snprintf(h.hostname, sizeof(h.hostname), "%s", m->hostname);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* Not through a link, and 0600 even when the file existed with a wider mode. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600) || !(c->f = fdopen(fd, "w"))) {
		int rc = -errno;

		if (fd >= 0)
			close(fd);
		free(c);
		return rc;
	}
	setvbuf(c->f, NULL, _IOFBF, 1 << 20);
	if (fwrite(&h, sizeof(h), 1, c->f) != 1) {
		fclose(c->f);
		free(c);
		return -EIO;
	}
	*out = c;
	return 0;
}

int ew_capture_write(struct ew_capture *c, const void *data, size_t len)
{
	uint32_t n = (uint32_t)len;

	if (len > MAX_FRAME)
		return -EINVAL;
	if (fwrite(&n, sizeof(n), 1, c->f) != 1 || fwrite(data, len, 1, c->f) != 1) {
		if (!c->err)
			c->err = -errno ? -errno : -EIO;
		return c->err;
	}
	return 0;
}

int ew_capture_flush(struct ew_capture *c)
{
	if (fflush(c->f) && !c->err)
		c->err = -errno;
	return c->err;
}

int ew_capture_close(struct ew_capture *c)
{
	int rc;

	if (!c)
		return 0;
	ew_capture_flush(c);
	if (fsync(fileno(c->f)) && !c->err)
		c->err = -errno;
	if (fclose(c->f) && !c->err)
		c->err = -errno;
	rc = c->err;
	free(c);
	return rc;
}

int ew_capture_open(const char *path, struct ew_capture_reader **out, struct ew_capture_meta *m,
		    char *err, size_t errlen)
{
	struct ew_capture_reader *r;
	struct header h;

	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->f = fopen(path, "re");
	if (!r->f) {
		int rc = -errno;

		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		free(r);
		return rc;
	}
	if (fread(&h, sizeof(h), 1, r->f) != 1 || memcmp(h.magic, MAGIC, sizeof(MAGIC)) != 0) {
		snprintf(err, errlen,
			 "%s: not an egresswatch capture (no EWCAPTR header): make one with "
			 "`egresswatch run --capture FILE`",
			 path);
		goto bad;
	}
	if (h.abi_major != EW_ABI_MAJOR || h.header_len != HEADER_LEN) {
		snprintf(err, errlen,
			 "%s: capture is of event ABI %u.%u, this egresswatch reads ABI %u.x: "
			 "replay it with a release of ABI %u",
			 path, (unsigned int)h.abi_major, (unsigned int)h.abi_minor,
			 (unsigned int)EW_ABI_MAJOR, (unsigned int)h.abi_major);
		goto bad;
	}
	m->abi_major = h.abi_major;
	m->abi_minor = h.abi_minor;
	h.boot_id[sizeof(h.boot_id) - 1] = '\0';
	h.hostname[sizeof(h.hostname) - 1] = '\0';
	memcpy(m->boot_id, h.boot_id, sizeof(m->boot_id));
	memcpy(m->hostname, h.hostname, sizeof(m->hostname));
	r->offset = HEADER_LEN;
	r->cur = 0;
	setvbuf(r->f, NULL, _IOFBF, 1 << 20);
	*out = r;
	return 0;
bad:
	fclose(r->f);
	free(r);
	return -EINVAL;
}

int ew_capture_next(struct ew_capture_reader *r, const void **data, size_t *len, char *err,
		    size_t errlen)
{
	uint32_t n;
	size_t got;

	got = fread(&n, 1, sizeof(n), r->f);
	if (got == 0 && feof(r->f))
		return 0;
	if (got != sizeof(n))
		goto torn;
	if (n == 0 || n > MAX_FRAME) {
		snprintf(err, errlen, "corrupt frame at byte %llu: length %u",
			 (unsigned long long)r->offset, n);
		return -EINVAL;
	}
	r->cur ^= 1;
	if (fread(r->buf[r->cur], 1, n, r->f) != n)
		goto torn;
	r->offset += sizeof(n) + n;
	*data = r->buf[r->cur];
	*len = n;
	return 1;
torn:
	snprintf(err, errlen, "capture ends inside a frame at byte %llu (the writer stopped early)",
		 (unsigned long long)r->offset);
	return -EPROTO;
}

void ew_capture_reader_close(struct ew_capture_reader *r)
{
	if (!r)
		return;
	fclose(r->f);
	free(r);
}
