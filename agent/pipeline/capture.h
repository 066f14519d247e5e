/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * capture.h - raw event files for `run --capture` and `replay`.
 *
 * Layout: a 128-byte header (magic "EWCAPTR\0", ABI major and minor, boot
 * id, host name), then frames of [__u32 length][event bytes]. The events are
 * what the pipeline consumed, in the order it consumed them, so a replay
 * reproduces the records. A torn last frame (a crash) ends the replay
 * with a warning; anything else malformed is an error naming the offset.
 */
#ifndef EW_CAPTURE_H
#define EW_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

struct ew_capture_meta {
	char boot_id[40];
	char hostname[64];
	unsigned int abi_major, abi_minor; /* set by ew_capture_open() */
};

struct ew_capture;

/** ew_capture_create() - start a capture file (mode 0600: it names processes). */
int ew_capture_create(const char *path, const struct ew_capture_meta *m, struct ew_capture **out);
int ew_capture_write(struct ew_capture *c, const void *data, size_t len);
int ew_capture_flush(struct ew_capture *c);
/** ew_capture_close() - flush, fsync, close. Return: 0 or the first write error. */
int ew_capture_close(struct ew_capture *c);

struct ew_capture_reader;

/**
 * ew_capture_open() - open for replay; @err says what is wrong with the file.
 * Takes every minor of this release's ABI major: events of an older minor
 * decode with their missing fields zero, those of a newer one without the
 * fields this release does not know (ew_decode()).
 */
int ew_capture_open(const char *path, struct ew_capture_reader **out, struct ew_capture_meta *m,
		    char *err, size_t errlen);
/**
 * ew_capture_next() - the next frame.
 * Return: 1 with @data/@len set (valid until the call after next: a
 * caller may read one frame ahead of the one it works on), 0 at the end,
 * -EPROTO for a torn last frame, -EINVAL for a corrupt frame (see @err).
 */
int ew_capture_next(struct ew_capture_reader *r, const void **data, size_t *len, char *err,
		    size_t errlen);
void ew_capture_reader_close(struct ew_capture_reader *r);

#endif
