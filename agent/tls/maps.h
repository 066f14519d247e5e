/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps.h - a process's executable file mappings, cheaply.
 *
 * Since Linux 6.11 the PROCMAP_QUERY ioctl on /proc/PID/maps returns one
 * mapping at a time, filtered in the kernel (executable, file-backed), with
 * its device and inode and, only when asked, its file name: scanning a
 * process whose files are all known then formats no text at all. Older
 * kernels answer ENOTTY and the text of /proc/PID/maps is parsed instead.
 */
#ifndef EW_TLS_MAPS_H
#define EW_TLS_MAPS_H

#include <stdbool.h>
#include <stdint.h>

struct ew_maps;

struct ew_maps_entry {
	uint64_t start, end;
	uint64_t dev; /* makedev(major, minor) as the mapping shows it */
	uint64_t ino;
	const char *name; /* the path as the process sees it; may end in " (deleted)" */
};

/* Whether the file (@dev, @ino) is known: its name is then not fetched. */
typedef bool (*ew_maps_known_fn)(void *ctx, uint64_t dev, uint64_t ino);
typedef void (*ew_maps_fn)(void *ctx, const struct ew_maps_entry *m);

/** ew_maps_new() - reusable state (a buffer); @text_only: never use the ioctl. */
int ew_maps_new(bool text_only, struct ew_maps **out);
void ew_maps_free(struct ew_maps *m);

/**
 * ew_maps_each_exec() - call @fn for each executable file mapping of @pid
 * whose file @known does not know, in address order. The same file mapped
 * twice is reported twice unless @fn's effects make @known say yes.
 * Return: how many mappings @known knew, or -errno: -ENOENT or -ESRCH when
 * the process is gone, -EACCES when it may not be read.
 */
int ew_maps_each_exec(struct ew_maps *m, int pid, ew_maps_known_fn known, ew_maps_fn fn, void *ctx);

/* ew_maps_uses_query() - whether the last scan used PROCMAP_QUERY. */
bool ew_maps_uses_query(const struct ew_maps *m);

#endif
