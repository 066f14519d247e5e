// SPDX-License-Identifier: GPL-2.0-only
#include "out/record_owner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"
#include "util/siphash.h"

/* Four ways a set: a few hundred busy processes seldom push each other out. */
#define SETS 512 /* a power of two */
#define WAYS 4

static const char *const psrc_names[] = {
    [EW_PSRC_EXEC] = "exec",
    [EW_PSRC_PROCFS] = "procfs",
    [EW_PSRC_FORK] = "fork",
};

static const char *const attribution_names[EW_ATTR_MAX] = {
    [EW_ATTR_SOCKET] = "socket",     [EW_ATTR_ACCEPT] = "accept",
    [EW_ATTR_LISTENER] = "listener", [EW_ATTR_LISTENER_SCAN] = "listener_scan",
    [EW_ATTR_CLOSER] = "closer",
};

static void put_process(struct ew_jsonw *w, const struct ew_owner *o)
{
	const struct ew_proc *p = o->proc;
	const struct ew_cgroup *cg = o->cgroup;
	char uid_s[16];

	ew_jsonw_obj_begin(w, "process");
	ew_jsonw_u64(w, "pid", o->pid);
	ew_jsonw_str(w, "name", o->comm);
	if (o->have_tid) {
		ew_jsonw_obj_begin(w, "thread");
		ew_jsonw_u64(w, "id", o->tid);
		ew_jsonw_obj_end(w);
	}
	if (p) {
		ew_jsonw_str(w, "entity_id", p->entity_id);
		if (p->exe && p->exe[0])
			ew_jsonw_str(w, "executable", p->exe);
		if (p->cmdline && p->cmdline[0])
			ew_jsonw_str(w, "command_line", p->cmdline);
		ew_jsonw_obj_begin(w, "parent");
		ew_jsonw_u64(w, "pid", p->ppid);
		ew_jsonw_obj_end(w);
	}
	ew_jsonw_obj_end(w);

	snprintf(uid_s, sizeof(uid_s), "%u", o->uid);
	ew_jsonw_obj_begin(w, "user");
	ew_jsonw_str(w, "id", uid_s);
	if (o->user && o->user[0])
		ew_jsonw_str(w, "name", o->user);
	ew_jsonw_obj_end(w);

	if (cg && cg->info.container_id[0]) {
		ew_jsonw_obj_begin(w, "container");
		ew_jsonw_str(w, "id", cg->info.container_id);
		if (cg->info.runtime[0])
			ew_jsonw_str(w, "runtime", cg->info.runtime);
		ew_jsonw_obj_end(w);
	}
	if (cg && cg->info.pod_uid[0]) {
		ew_jsonw_obj_begin(w, "orchestrator");
		ew_jsonw_str(w, "type", "kubernetes");
		ew_jsonw_obj_end(w);
		ew_jsonw_obj_begin(w, "kubernetes");
		ew_jsonw_obj_begin(w, "pod");
		ew_jsonw_str(w, "uid", cg->info.pod_uid);
		ew_jsonw_obj_end(w);
		ew_jsonw_obj_end(w);
	}
}

/* Fields of the agent's own, under egresswatch.*: how the owner was found, cgroup. */
static void put_extra(struct ew_jsonw *w, const struct ew_owner *o)
{
	ew_jsonw_obj_begin(w, "process");
	ew_jsonw_str(w, "identity", o->proc ? psrc_names[o->proc->source] : "comm_only");
	if (o->attribution && o->attribution < EW_ATTR_MAX)
		ew_jsonw_str(w, "attribution", attribution_names[o->attribution]);
	if (o->cgroup) {
		ew_jsonw_str(w, "cgroup", o->cgroup->path);
		if (o->cgroup->info.unit[0])
			ew_jsonw_str(w, "systemd_unit", o->cgroup->info.unit);
	}
	ew_jsonw_obj_end(w);
}

/* Everything the two fragments are made of; compared whole, padding zeroed. */
struct owner_key {
	uint64_t proc, cgroup; /* serials, 0 for none */
	uint32_t pid, tid, uid;
	uint8_t have_tid, attribution;
	char comm[EW_COMM_LEN];
	char user[32]; /* longer names are not cached */
};

/* The members of both fragments, one after the other in text. */
struct ew_record_owner {
	struct owner_key k;
	char *text;
	uint32_t main_len, extra_len, cap;
};

struct ew_record_owners {
	struct ew_jsonw scratch;
	struct ew_record_owner s[SETS][WAYS];
	uint8_t next[SETS];  /* the way to replace next, round the set */
	char host_name[256]; /* the member "host" below is of this name; "" for none */
	struct ew_jsonw host;
};

struct ew_record_owners *ew_record_owners_new(void)
{
	struct ew_record_owners *c = calloc(1, sizeof(*c));

	if (c) {
		ew_jsonw_init(&c->scratch);
		ew_jsonw_init(&c->host);
	}
	return c;
}

void ew_record_owners_free(struct ew_record_owners *c)
{
	if (!c)
		return;
	for (int i = 0; i < SETS; i++)
		for (int j = 0; j < WAYS; j++)
			free(c->s[i][j].text);
	ew_jsonw_free(&c->scratch);
	ew_jsonw_free(&c->host);
	free(c);
}

/* False when @o cannot be told apart by a key (an entry made without a serial). */
static bool make_key(const struct ew_owner *o, struct owner_key *k)
{
	size_t cl = strnlen(o->comm, EW_COMM_LEN);
	size_t ul = o->user ? strnlen(o->user, sizeof(k->user)) : 0;

	if (cl == EW_COMM_LEN || ul == sizeof(k->user) || (o->proc && !o->proc->serial) ||
	    (o->cgroup && !o->cgroup->serial))
		return false;
	memset(k, 0, sizeof(*k));
	k->proc = o->proc ? o->proc->serial : 0;
	k->cgroup = o->cgroup ? o->cgroup->serial : 0;
	k->pid = o->pid;
	k->tid = o->tid;
	k->uid = o->uid;
	k->have_tid = o->have_tid;
	k->attribution = o->attribution;
	memcpy(k->comm, o->comm, cl);
	if (ul)
		memcpy(k->user, o->user, ul);
	return true;
}

/* The members @put writes, into @s's text after @off; the new length, or 0. */
static uint32_t encode(struct ew_record_owners *c, struct ew_record_owner *s, uint32_t off,
		       const struct ew_owner *o,
		       void (*put)(struct ew_jsonw *w, const struct ew_owner *o))
{
	struct ew_jsonw *w = &c->scratch;
	size_t n;

	ew_jsonw_reset(w);
	ew_jsonw_obj_begin(w, NULL);
	put(w, o);
	ew_jsonw_obj_end(w);
	n = w->len - 2; /* inside the braces */
	if (w->oom || n > UINT32_MAX / 2 - off)
		return 0;
	if (off + n > s->cap) {
		char *t = realloc(s->text, off + n);

		if (!t)
			return 0;
		s->text = t;
		s->cap = (uint32_t)(off + n);
	}
	memcpy(s->text + off, w->buf + 1, n);
	return (uint32_t)n;
}

/* The slot holding @o's fragments, encoded now if they were not; NULL: encode in place. */
static const struct ew_record_owner *lookup(struct ew_record_owners *c, const struct ew_owner *o)
{
	struct ew_record_owner *s;
	struct owner_key k;
	uint64_t set;

	if (!c || !make_key(o, &k))
		return NULL;
	/* A process's flows may differ in thread or attribution: each its own slot. */
	set = ew_hash_u64(((uint64_t)k.tid << 32 | k.pid) ^ k.proc << 3 ^ k.attribution ^
			  (uint64_t)k.have_tid << 2) &
	      (SETS - 1);
	for (int j = 0; j < WAYS; j++) {
		s = &c->s[set][j];
		if (s->main_len && !memcmp(&s->k, &k, sizeof(k)))
			return s;
	}
	s = &c->s[set][c->next[set]];
	c->next[set] = (uint8_t)((c->next[set] + 1) % WAYS);
	s->main_len = encode(c, s, 0, o, put_process);
	s->extra_len = s->main_len ? encode(c, s, s->main_len, o, put_extra) : 0;
	if (!s->extra_len)
		s->main_len = 0;
	s->k = k;
	return s->main_len ? s : NULL;
}

const struct ew_record_owner *ew_record_owner_put(struct ew_jsonw *w, struct ew_record_owners *c,
						  const struct ew_owner *o)
{
	const struct ew_record_owner *s = lookup(c, o);

	if (s)
		ew_jsonw_members(w, s->text, s->main_len);
	else
		put_process(w, o);
	return s;
}

void ew_record_owner_put_extra(struct ew_jsonw *w, const struct ew_record_owner *h,
			       const struct ew_owner *o)
{
	if (h)
		ew_jsonw_members(w, h->text + h->main_len, h->extra_len);
	else
		put_extra(w, o);
}

static void put_host(struct ew_jsonw *w, const char *hostname)
{
	ew_jsonw_obj_begin(w, "host");
	ew_jsonw_str(w, "hostname", hostname);
	ew_jsonw_obj_end(w);
}

void ew_record_owner_put_host(struct ew_jsonw *w, struct ew_record_owners *c, const char *hostname)
{
	size_t n = c ? strnlen(hostname, sizeof(c->host_name)) : 0;

	if (!c || n == sizeof(c->host_name)) {
		put_host(w, hostname);
		return;
	}
	if (!c->host.len || strcmp(c->host_name, hostname)) {
		ew_jsonw_reset(&c->host);
		ew_jsonw_obj_begin(&c->host, NULL);
		put_host(&c->host, hostname);
		ew_jsonw_obj_end(&c->host);
		memcpy(c->host_name, hostname, n + 1);
		if (c->host.oom) {
			c->host.len = 0;
			put_host(w, hostname);
			return;
		}
	}
	ew_jsonw_members(w, c->host.buf + 1, c->host.len - 2);
}
