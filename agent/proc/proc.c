// SPDX-License-Identifier: GPL-2.0-only
#include "proc/proc.h"

#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/revpath.h"
#include "util/siphash.h"

/* Powers of two; indexed by the keyed hash, since pids, cgroup ids and uids
 * are for other processes to pick (util/siphash.h). */
#define PROC_BUCKETS 16384
#define CG_BUCKETS   1024
#define USER_SLOTS   256
_Static_assert(!(PROC_BUCKETS & (PROC_BUCKETS - 1)) && !(CG_BUCKETS & (CG_BUCKETS - 1)) &&
		   !(USER_SLOTS & (USER_SLOTS - 1)),
	       "table sizes are masks");

struct user_slot {
	uint32_t uid;
	bool valid;
	char name[64];
};

struct ew_procs {
	struct ew_proc *procs[PROC_BUCKETS];
	struct ew_cgroup *cgroups[CG_BUCKETS];
	struct user_slot users[USER_SLOTS];
	char boot_prefix[9];
	uint64_t count, cg_count;
	uint32_t max_procs, max_cgroups;
	/* Insertion order, oldest first: what goes when a table is full. */
	struct ew_proc *oldest, *newest;
	struct ew_cgroup *cg_oldest, *cg_newest;
	/*
	 * The latest user and cgroup asked for: every record asks for both, and
	 * records in a row are mostly one user's, often one cgroup's. A hit is
	 * the entry the keyed hash would find, without computing it.
	 */
	struct user_slot *last_user;
	struct ew_cgroup *last_cg; /* cleared when it is dropped */
	struct ew_procs_stats st;
};

/*
 * exe and command line are shared by a process and the children it forks
 * (a pre-forking server may fork thousands): reference-counted strings, the
 * count kept in front of the characters.
 */
struct rstr {
	uint32_t refs;
	char s[];
};

static char *rstr_new(const char *s)
{
	size_t n = strlen(s);
	struct rstr *r = malloc(sizeof(*r) + n + 1);

	if (!r)
		return NULL;
	r->refs = 1;
	memcpy(r->s, s, n + 1);
	/* The block is freed from its characters' address (rstr_put()). */
	// cppcheck-suppress memleak
	return r->s;
}

static char *rstr_ref(char *s)
{
	if (s)
		((struct rstr *)(s - offsetof(struct rstr, s)))->refs++;
	return s;
}

static void rstr_put(char *s)
{
	struct rstr *r = s ? (struct rstr *)(s - offsetof(struct rstr, s)) : NULL;

	if (r && --r->refs == 0)
		free(r);
}

struct ew_procs *ew_procs_new(const char *boot_id, uint32_t max_procs, uint32_t max_cgroups)
{
	struct ew_procs *t = calloc(1, sizeof(*t));
	size_t n = 0;

	if (!t)
		return NULL;
	t->max_procs = max_procs ? max_procs : 65536;
	t->max_cgroups = max_cgroups ? max_cgroups : 16384;
	/* The boot id makes entity ids unique across reboots; 8 hex digits suffice. */
	for (const char *s = boot_id; s && *s && n < 8; s++)
		if (*s != '-')
			t->boot_prefix[n++] = *s;
	if (!n)
		memcpy(t->boot_prefix, "00000000", 8);
	return t;
}

static void proc_free(struct ew_proc *p)
{
	rstr_put(p->exe);
	rstr_put(p->cmdline);
	free(p);
}

void ew_proc_ref(struct ew_proc *p)
{
	if (p)
		p->refs++;
}

void ew_proc_unref(struct ew_proc *p)
{
	if (p && --p->refs == 0)
		proc_free(p);
}

static struct ew_proc **slot(struct ew_procs *t, uint32_t tgid)
{
	return &t->procs[ew_hash_u64(tgid) & (PROC_BUCKETS - 1)];
}

static void unlink_proc(struct ew_procs *t, uint32_t tgid)
{
	for (struct ew_proc **pp = slot(t, tgid); *pp; pp = &(*pp)->next) {
		if ((*pp)->tgid == tgid) {
			struct ew_proc *p = *pp;

			*pp = p->next;
			if (p->older)
				p->older->newer = p->newer;
			else
				t->oldest = p->newer;
			if (p->newer)
				p->newer->older = p->older;
			else
				t->newest = p->older;
			p->older = p->newer = NULL;
			p->in_table = false;
			t->count--;
			ew_proc_unref(p); /* flows still holding it keep it alive */
			return;
		}
	}
}

static void insert_proc(struct ew_procs *t, struct ew_proc *p)
{
	struct ew_proc **head;

	unlink_proc(t, p->tgid);
	/* Full: the one known longest goes (a process whose exit was lost). */
	if (t->count >= t->max_procs && t->oldest) {
		t->st.procs_evicted++;
		unlink_proc(t, t->oldest->tgid);
	}
	head = slot(t, p->tgid);
	p->next = *head;
	p->in_table = true;
	p->refs = 1;
	*head = p;
	p->older = t->newest;
	p->newer = NULL;
	if (t->newest)
		t->newest->newer = p;
	else
		t->oldest = p;
	t->newest = p;
	t->count++;
}

struct ew_proc *ew_procs_get(struct ew_procs *t, uint32_t tgid)
{
	for (struct ew_proc *p = *slot(t, tgid); p; p = p->next)
		if (p->tgid == tgid)
			return p;
	return NULL;
}

static uint64_t new_serial(void)
{
	static uint64_t last;

	return __atomic_add_fetch(&last, 1, __ATOMIC_RELAXED);
}

static void set_entity_id(struct ew_procs *t, struct ew_proc *p)
{
	/* /proc reports start time in clock ticks: round the kernel's ns the
	 * same way so a process seen both ways keeps one id. */
	snprintf(p->entity_id, sizeof(p->entity_id), "%s-%u-%llu", t->boot_prefix, p->tgid,
		 (unsigned long long)(p->start_boottime / 10000000ull));
}

static char *join_args(const char *args, size_t len, bool truncated)
{
	struct rstr *r = malloc(sizeof(*r) + len + 4);
	char *s = r ? r->s : NULL;
	size_t n = 0;

	if (!r)
		return NULL;
	r->refs = 1;
	for (size_t i = 0; i < len; i++)
		s[n++] = args[i] ? args[i] : ' ';
	while (n && s[n - 1] == ' ')
		n--;
	if (truncated) {
		memcpy(s + n, "...", 3);
		n += 3;
	}
	s[n] = '\0';
	return s;
}

void ew_procs_exec(struct ew_procs *t, const struct ew_ev_exec *ev)
{
	struct ew_proc *p = calloc(1, sizeof(*p));
	char path[EW_PATH_LEN + 2];

	if (!p)
		return;
	p->tgid = ev->task.tgid;
	p->ppid = ev->ppid;
	p->uid = ev->task.uid;
	p->gid = ev->task.gid;
	p->start_boottime = ev->start_boottime;
	p->cgroup_id = ev->task.cgroup_id;
	memcpy(p->comm, ev->task.comm, sizeof(p->comm));
	p->source = ev->h.type == EW_EV_EXEC ? EW_PSRC_EXEC : EW_PSRC_PROCFS;
	if (ev->flags & EW_F_REVPATH) {
		ew_path_from_rev(ev->exe, ev->exe_len, path, sizeof(path));
	} else {
		size_t n = strnlen(ev->exe, ev->exe_len);

		memcpy(path, ev->exe, n);
		path[n] = '\0';
	}
	p->exe = rstr_new(path);
	p->args_truncated = ev->flags & EW_F_ARGS_TRUNC;
	p->cmdline = join_args(ev->args, ev->args_len, p->args_truncated);
	p->serial = new_serial();
	set_entity_id(t, p);
	insert_proc(t, p);
	if (ev->cgroup_len && ev->task.cgroup_id) {
		if (ev->flags & EW_F_REVPATH) {
			char cg[EW_CGROUP_LEN + 2];

			ew_path_from_rev(ev->cgroup, ev->cgroup_len, cg, sizeof(cg));
			ew_procs_cgroup(t, ev->task.cgroup_id, cg);
		} else {
			ew_procs_cgroup(t, ev->task.cgroup_id, ev->cgroup);
		}
	}
}

void ew_procs_fork(struct ew_procs *t, const struct ew_ev_fork *ev)
{
	struct ew_proc *parent = ew_procs_get(t, ev->parent_tgid);
	struct ew_proc *p;

	if (!parent)
		return;
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	*p = *parent;
	p->tgid = ev->child_tgid;
	p->ppid = ev->parent_tgid;
	p->start_boottime = ev->child_start_boottime;
	p->source = EW_PSRC_FORK;
	p->exe = rstr_ref(parent->exe);
	p->cmdline = rstr_ref(parent->cmdline);
	p->serial = new_serial();
	set_entity_id(t, p);
	insert_proc(t, p);
}

void ew_procs_exit(struct ew_procs *t, const struct ew_ev_exit *ev)
{
	struct ew_proc *p = ew_procs_get(t, ev->tgid);

	/* A late exit of an older process with the same pid must not evict the new one. */
	if (p && (!ev->start_boottime ||
		  p->start_boottime / 10000000ull == ev->start_boottime / 10000000ull))
		unlink_proc(t, ev->tgid);
}

uint64_t ew_procs_count(const struct ew_procs *t)
{
	return t->count;
}

const struct ew_procs_stats *ew_procs_stats(const struct ew_procs *t)
{
	return &t->st;
}

static struct ew_cgroup **cg_slot(struct ew_procs *t, uint64_t id)
{
	return &t->cgroups[ew_hash_u64(id) & (CG_BUCKETS - 1)];
}

const struct ew_cgroup *ew_procs_cgroup_get(struct ew_procs *t, uint64_t id)
{
	if (t->last_cg && t->last_cg->id == id)
		return t->last_cg;
	for (struct ew_cgroup *c = *cg_slot(t, id); c; c = c->next)
		if (c->id == id) {
			t->last_cg = c;
			return c;
		}
	return NULL;
}

/* Cgroups are looked up by id at record time: nothing holds one, so it can go. */
static void drop_cgroup(struct ew_procs *t, struct ew_cgroup *c)
{
	if (t->last_cg == c)
		t->last_cg = NULL;
	for (struct ew_cgroup **pp = cg_slot(t, c->id); *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->older)
		c->older->newer = c->newer;
	else
		t->cg_oldest = c->newer;
	if (c->newer)
		c->newer->older = c->older;
	else
		t->cg_newest = c->older;
	t->cg_count--;
	free(c->path);
	free(c);
}

void ew_procs_cgroup(struct ew_procs *t, uint64_t id, const char *path)
{
	struct ew_cgroup *c = (struct ew_cgroup *)ew_procs_cgroup_get(t, id);
	struct ew_cgroup **head;
	char *copy;

	/* Ids are never reused while the cgroup exists, but a rename is possible. */
	if (c && strcmp(c->path, path) == 0)
		return;
	/* Without memory the entry keeps its old path, or is not made: never a NULL path. */
	copy = strdup(path);
	if (!copy)
		return;
	if (c) {
		free(c->path);
	} else {
		if (t->cg_count >= t->max_cgroups && t->cg_oldest) {
			t->st.cgroups_evicted++;
			drop_cgroup(t, t->cg_oldest);
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			free(copy);
			return;
		}
		c->id = id;
		head = cg_slot(t, id);
		c->next = *head;
		*head = c;
		c->older = t->cg_newest;
		if (t->cg_newest)
			t->cg_newest->newer = c;
		else
			t->cg_oldest = c;
		t->cg_newest = c;
		t->cg_count++;
	}
	c->path = copy;
	c->serial = new_serial();
	ew_cgroup_parse(c->path, &c->info);
}

const char *ew_procs_user(struct ew_procs *t, uint32_t uid)
{
	struct user_slot *s = t->last_user;
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (s && s->uid == uid)
		return s->name;
	s = &t->users[ew_hash_u64(uid) & (USER_SLOTS - 1)];
	t->last_user = s;
	if (s->valid && s->uid == uid)
		return s->name;
	s->uid = uid;
	s->valid = true;
	s->name[0] = '\0';
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(s->name, sizeof(s->name), "%s", res->pw_name);
	return s->name;
}

void ew_procs_free(struct ew_procs *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < PROC_BUCKETS; i++) {
		while (t->procs[i]) {
			struct ew_proc *p = t->procs[i];

			t->procs[i] = p->next;
			p->in_table = false;
			ew_proc_unref(p);
		}
	}
	for (size_t i = 0; i < CG_BUCKETS; i++) {
		while (t->cgroups[i]) {
			struct ew_cgroup *c = t->cgroups[i];

			t->cgroups[i] = c->next;
			free(c->path);
			free(c);
		}
	}
	free(t);
}
