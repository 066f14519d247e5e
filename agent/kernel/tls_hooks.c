// SPDX-License-Identifier: GPL-2.0-only
/*
 * tls_hooks.c - puts the TLS probes on every library and executable that
 * has TLS functions: the system's libraries and what runs at start, then
 * each new program at exec (an executable that links a TLS library
 * statically) and at its first connect (by then the dynamic loader has
 * mapped its libraries, dlopen()ed ones included). A uprobe on a file
 * holds for every process that maps it, so a library is attached once.
 * Live only: a subscriber of the pipeline, never in a replay.
 */
#include "kernel/tls_hooks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "pipeline/stage.h"
#include "tls/targets.h"
#include "util/log.h"

/* Processes whose maps were read since their exec: open addressing by tgid. */
#define SCANNED_SLOTS 8192

struct ew_tls_hooks {
	struct ew_loader *loader;
	struct ew_tls_targets *targets;
	uint32_t scanned[SCANNED_SLOTS]; /* tgid, 0 free */
	uint64_t scans;
};

/* The functions whose length is an int, not a size_t. */
static bool int_length(const char *func)
{
	static const char *const ints[] = {"SSL_write", "SSL_read", "PR_Write",
					   "PR_Send",	"PR_Read",  "PR_Recv"};

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strcmp(func, ints[i]))
			return true;
	return false;
}

static int attach(void *ctx, const struct ew_tls_target *t, char *why, size_t whylen)
{
	struct ew_tls_hooks *h = ctx;
	struct ew_loader_uprobe u[EW_TLS_MAX_FUNCS];
	int n = 0, rc;

	for (int i = 0; i < t->n_syms && n < EW_TLS_MAX_FUNCS; i++) {
		const struct ew_tls_sym *s = &t->syms[i];

		u[n] = (struct ew_loader_uprobe){.func = s->name, .offset = s->offset};
		u[n].flags = int_length(s->name) ? EW_TLS_COOKIE_INT : 0;
		if (!strcmp(t->family, "nss"))
			u[n].flags |= EW_TLS_COOKIE_NSPR;
		switch (s->role) {
		case EW_TLS_ROLE_WRITE:
			u[n].kind = EW_LOADER_TLS_WRITE;
			break;
		case EW_TLS_ROLE_READ_EX:
			u[n].flags |= EW_TLS_COOKIE_EX;
			/* fall through */
		case EW_TLS_ROLE_READ:
			u[n].kind = EW_LOADER_TLS_READ;
			break;
		case EW_TLS_ROLE_FREE:
			u[n].kind = EW_LOADER_TLS_FREE;
			break;
		}
		n++;
	}
	rc = ew_loader_tls_attach(h->loader, t->path, t->library, u, n, why, whylen);
	if (rc)
		ew_warn("TLS: cannot hook %s (%s): %s; its flows stay encrypted", t->file,
			t->library, why);
	else
		ew_info("TLS: hooked %s (%s%s, %d functions)", t->file, t->library,
			t->is_static ? ", static" : "", n);
	return rc;
}

#define TOMBSTONE UINT32_MAX

/* @tgid's slot; with @add, a free one for it (a forgotten one first). */
static uint32_t *slot(struct ew_tls_hooks *h, uint32_t tgid, bool add)
{
	uint32_t i = (tgid * 2654435761u) % SCANNED_SLOTS, *reuse = NULL;

	for (int probe = 0; probe < 16; probe++, i = (i + 1) % SCANNED_SLOTS) {
		if (h->scanned[i] == tgid)
			return &h->scanned[i];
		if (h->scanned[i] == TOMBSTONE && !reuse)
			reuse = &h->scanned[i];
		if (!h->scanned[i])
			return add ? (reuse ? reuse : &h->scanned[i]) : NULL;
	}
	return add ? reuse : NULL; /* crowded: such a process is simply scanned again */
}

static void forget(struct ew_tls_hooks *h, uint32_t tgid)
{
	uint32_t *s = slot(h, tgid, false);

	if (s)
		*s = TOMBSTONE;
}

static void scan(struct ew_tls_hooks *h, uint32_t tgid)
{
	h->scans++;
	ew_tls_targets_scan_pid(h->targets, (int)tgid);
}

static void event(struct ew_stage *s, const union ew_event *ev, struct ew_flow *f)
{
	struct ew_tls_hooks *h = s->state;
	uint32_t tgid, *memo;

	(void)f;
	switch (ev->h.type) {
	case EW_EV_EXEC:
		/* A static TLS library is in the image itself: hook it before it runs far. */
		forget(h, ev->exec.task.tgid);
		scan(h, ev->exec.task.tgid);
		return;
	case EW_EV_EXIT:
		forget(h, ev->exit.tgid);
		return;
	case EW_EV_CONNECT:
		tgid = ev->sa.task.tgid;
		if (slot(h, tgid, false))
			return;
		scan(h, tgid);
		if ((memo = slot(h, tgid, true)))
			*memo = tgid;
		return;
	default:
		return;
	}
}

static void metrics(struct ew_stage *s, struct ew_metrics *m)
{
	struct ew_tls_hooks *h = s->state;

	ew_tls_targets_metrics(h->targets, m);
	ew_metrics_add(m, "tls_process_scans_total",
		       "Processes whose executable and mappings were looked at for TLS libraries.",
		       EW_M_HOST, h->scans);
}

static const struct ew_stage_def tls_stage = {
    .name = "tls_hooks",
    .event_mask = EW_STAGE_EV(EW_EV_EXEC) | EW_STAGE_EV(EW_EV_EXIT) | EW_STAGE_EV(EW_EV_CONNECT),
    .event = event,
    .metrics = metrics,
};

int ew_tls_hooks_start(struct ew_loader *l, struct ew_pipeline *p, struct ew_tls_hooks **out)
{
	struct ew_tls_hooks *h;
	int rc, hooked = 0;

	*out = NULL;
	if (!ew_loader_tls_on(l))
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loader = l;
	rc = ew_tls_targets_new(attach, h, &h->targets);
	if (rc) {
		free(h);
		return rc;
	}
	ew_tls_targets_scan_system(h->targets);
	ew_tls_targets_scan_all(h->targets);
	for (int i = 0; i < ew_tls_targets_count(h->targets); i++)
		hooked += ew_tls_targets_get(h->targets, i)->result == EW_TLS_HOOKED;
	ew_info("TLS: %d libraries and executables hooked", hooked);
	rc = ew_pipeline_subscribe(p, &tls_stage, h);
	if (rc) {
		ew_tls_hooks_free(h);
		return rc;
	}
	*out = h;
	return 0;
}

void ew_tls_hooks_free(struct ew_tls_hooks *h)
{
	if (!h)
		return;
	ew_tls_targets_free(h->targets);
	free(h);
}
