/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * targets.h - the files whose TLS functions get uprobes: found in the
 * system's library directories and in what running processes map, each
 * file examined once.
 *
 * A file is known by (st_dev, st_ino): once seen it is never opened again,
 * whatever path or process it turns up under, so scanning a process that
 * maps nothing new costs a read of its maps and no file access. A copy of
 * an already examined library (same build id, another inode) reuses the
 * symbols found but is attached on its own: a uprobe belongs to an inode.
 *
 * Results counted per file: hooked (attached), failed (the attach callback
 * said no: its reason is kept), no_symbols (named like a TLS library but
 * without its functions, e.g. stripped) and unsupported (a Go binary: Go's
 * crypto/tls is not hooked). Other executables are remembered, not counted.
 */
#ifndef EW_TLS_TARGETS_H
#define EW_TLS_TARGETS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tls/libs.h"

struct ew_metrics;

enum ew_tls_result {
	EW_TLS_HOOKED,
	EW_TLS_FAILED,
	EW_TLS_NO_SYMBOLS,
	EW_TLS_UNSUPPORTED,
	EW_TLS_N_RESULTS,
};

struct ew_tls_sym {
	enum ew_tls_role role;
	const char *name;
	uint64_t offset; /* in the file, as uprobe attach takes it */
};

struct ew_tls_target {
	/* A path that opens this inode now: /proc/PID/root/<file> for a process's
	 * mapping, /proc/PID/map_files/<range> when the file was deleted. */
	char path[PATH_MAX];
	char file[256]; /* the name as the process or directory shows it, for people */
	int pid;	/* the process it was found in; 0 for a system directory */
	dev_t dev;
	ino_t ino;
	char library[EW_TLS_NAME_LEN]; /* "openssl-3.0", "gnutls-3.7", "nss-4", "go" */
	const char *family;	       /* "openssl", "gnutls", "nss", "go" */
	bool is_static;	   /* the functions are in an executable, not the shared library */
	char build_id[41]; /* hex, empty when the file has none */
	enum ew_tls_result result;
	char why[192]; /* failed, no_symbols, unsupported: why, in words */
	int n_syms;
	struct ew_tls_sym syms[EW_TLS_MAX_FUNCS];
};

/**
 * typedef ew_tls_attach_fn - put the uprobes on @t's functions.
 * Return: 0, or -errno with the reason in @why (NUL-terminated).
 */
typedef int (*ew_tls_attach_fn)(void *ctx, const struct ew_tls_target *t, char *why, size_t whylen);

struct ew_tls_stats {
	uint64_t scans;	     /* scan_pid calls */
	uint64_t examined;   /* files opened and read as ELF */
	uint64_t seen;	     /* mappings skipped because their file was seen before */
	uint64_t reused;     /* files whose symbols came from a copy with the same build id */
	uint64_t vanished;   /* processes or files gone while being scanned */
	uint64_t over_limit; /* files with TLS functions not kept: 4096 are */
};

struct ew_tls_targets;

/**
 * ew_tls_targets_new() - an empty registry.
 * @attach: called once for every file with TLS functions; NULL only looks
 *          (every such file counts as hooked: `egresswatch probe` shows
 *          "hookable").
 * Return: 0 or -ENOMEM.
 */
int ew_tls_targets_new(ew_tls_attach_fn attach, void *ctx, struct ew_tls_targets **out);
void ew_tls_targets_free(struct ew_tls_targets *r);

/**
 * ew_tls_targets_scan_system() - the TLS libraries (libssl.so*,
 * libgnutls.so*, libnspr4.so*) in the library directories: the running
 * architecture's multiarch directories, /usr/lib64, /lib64, /usr/lib,
 * /usr/local/lib. A link and its target count once.
 */
void ew_tls_targets_scan_system(struct ew_tls_targets *r);

/**
 * ew_tls_targets_scan_pid() - every executable file mapping of @pid not
 * seen before, its program's included (OpenSSL linked in statically).
 * A file is opened through /proc/PID/root/<path>, or /proc/PID/map_files/
 * when it was deleted. A process that is gone is no error.
 * Return: how many files were newly examined, or -errno when @pid's maps
 * could not be read (-ENOENT, -ESRCH: it is gone).
 */
int ew_tls_targets_scan_pid(struct ew_tls_targets *r, int pid);

/**
 * ew_tls_targets_scan_file() - one file given by path (its name decides
 * whether it is taken for a TLS library, as in a directory).
 * Return: 1 examined, 0 seen before, or -errno (-ENOEXEC: not a regular file).
 */
int ew_tls_targets_scan_file(struct ew_tls_targets *r, const char *path);

/* ew_tls_targets_scan_all() - scan_pid of every process in /proc. */
void ew_tls_targets_scan_all(struct ew_tls_targets *r);

/* ew_tls_targets_count() / _get() - the counted files, in the order they were found. */
int ew_tls_targets_count(const struct ew_tls_targets *r);
const struct ew_tls_target *ew_tls_targets_get(const struct ew_tls_targets *r, int i);

/* ew_tls_targets_stats() - the registry's own work counters. */
struct ew_tls_stats ew_tls_targets_stats(const struct ew_tls_targets *r);

/* ew_tls_result_name() - "hooked", "failed", "no_symbols", "unsupported". */
const char *ew_tls_result_name(enum ew_tls_result res);

/**
 * ew_tls_targets_metrics() - tls_targets_total{library,result}: the counted
 * files, tls_files_examined_total and tls_targets_over_limit_total. Label values point into @r,
 * which must outlive @m's use.
 */
void ew_tls_targets_metrics(const struct ew_tls_targets *r, struct ew_metrics *m);

#endif
