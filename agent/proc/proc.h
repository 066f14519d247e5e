/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * proc.h - the process table: tgid → identity, fed by exec, fork and exit
 * events and by the /proc scan. It owns process identity; flows hold
 * references so a record can name a process that has already exited.
 * Also owns the caches that hang off a process: cgroup id → container,
 * uid → user name.
 */
#ifndef EW_PROC_H
#define EW_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/cgroup_path.h"
#include "ew.h"

/* How the identity was learned, most trustworthy first. */
enum ew_proc_source { EW_PSRC_EXEC, EW_PSRC_PROCFS, EW_PSRC_FORK };

struct ew_proc {
	struct ew_proc *next; /* hash chain */
	uint32_t tgid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t gid;
	uint64_t start_boottime;
	uint64_t cgroup_id;
	char comm[EW_COMM_LEN];
	char *exe;     /* shared with forked children: never freed or written but here */
	char *cmdline; /* argv joined by spaces; shared likewise */
	struct ew_proc *older, *newer; /* the table's insertion order */
	char entity_id[64];
	/* No other entry, of any table, ever has it: what a consumer derives
	 * from an entry is cached under it (an address is reused). */
	uint64_t serial;
	uint32_t refs;
	uint8_t source; /* enum ew_proc_source */
	bool in_table;
	bool args_truncated;
};

struct ew_cgroup {
	struct ew_cgroup *next;
	struct ew_cgroup *older, *newer; /* the table's insertion order */
	uint64_t id;
	uint64_t serial; /* as a process's; a new one when the path changes */
	char *path;
	struct ew_cgroup_info info;
};

struct ew_procs;

/* Entries forgotten because a table was full (its cap). */
struct ew_procs_stats {
	uint64_t procs_evicted;
	uint64_t cgroups_evicted;
};

/**
 * ew_procs_new() - empty tables of at most @max_procs processes and
 * @max_cgroups cgroups (0: 65536 and 16384); past them the entry known
 * longest is forgotten (a process whose exit was never seen, a cgroup gone).
 */
struct ew_procs *ew_procs_new(const char *boot_id, uint32_t max_procs, uint32_t max_cgroups);
void ew_procs_free(struct ew_procs *t);

/**
 * ew_procs_exec() - an EW_EV_EXEC or EW_EV_PROC event: (re)name a process.
 * @ev: as ew_decode() leaves it: exe, args and cgroup are read by their
 *      lengths (leaf-first components when EW_F_REVPATH), comm as a string
 */
void ew_procs_exec(struct ew_procs *t, const struct ew_ev_exec *ev);
void ew_procs_fork(struct ew_procs *t, const struct ew_ev_fork *ev);
void ew_procs_exit(struct ew_procs *t, const struct ew_ev_exit *ev);
void ew_procs_cgroup(struct ew_procs *t, uint64_t id, const char *path);

/** ew_procs_get() - the live process @tgid or NULL; borrowed, ew_proc_ref() to keep. */
struct ew_proc *ew_procs_get(struct ew_procs *t, uint32_t tgid);
const struct ew_cgroup *ew_procs_cgroup_get(struct ew_procs *t, uint64_t id);
/** ew_procs_user() - the name of @uid from the passwd database, "" when none. */
const char *ew_procs_user(struct ew_procs *t, uint32_t uid);
uint64_t ew_procs_count(const struct ew_procs *t);
const struct ew_procs_stats *ew_procs_stats(const struct ew_procs *t);

void ew_proc_ref(struct ew_proc *p);
void ew_proc_unref(struct ew_proc *p);

#endif
