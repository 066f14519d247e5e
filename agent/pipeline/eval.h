/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eval.h - what the pipeline knows about one flow record: filled by the
 * pipeline (time, owner) and then by each enricher in order, read by the
 * subscribers. It lives for one record; pointers in it are borrowed from
 * the stage that filled them and valid until the subscribers return.
 */
#ifndef EW_EVAL_H
#define EW_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "ew.h"
#include "geo/border.h"
#include "proc/proc.h"
#include "verdict/decide.h"

/* How the flow's socket was tied to its process (egresswatch.process.attribution). */
enum ew_attribution {
	EW_ATTR_NONE,
	EW_ATTR_SOCKET,	       /* a hook ran in the owner's context: connect, sendmsg, recvmsg */
	EW_ATTR_ACCEPT,	       /* accept() returned it (ABI 2.0 captures) */
	EW_ATTR_LISTENER,      /* the owner of the listening socket, at listen() */
	EW_ATTR_LISTENER_SCAN, /* a listener older than the agent, from the start scan */
	EW_ATTR_CLOSER,	       /* the process that closed or shut it down */
	EW_ATTR_MAX
};

struct ew_owner {
	bool known;	     /* nothing below is set otherwise */
	bool have_tid;	     /* tid is the thread that ran the hook */
	uint8_t attribution; /* enum ew_attribution */
	uint32_t pid, tid, uid;
	uint64_t cgroup_id;
	const char *comm;
	const struct ew_proc *proc;	/* identity from the process table, or NULL */
	const char *user;		/* the uid's name, "" when none */
	const struct ew_cgroup *cgroup; /* path, container, unit; or NULL */
};

/* One data category a record carries (egresswatch.categories). */
struct ew_eval_category {
	const char *id;
	uint8_t cls;	      /* enum ew_class */
	uint8_t via;	      /* enum ew_via */
	bool subjects_capped; /* more people than the flow holds: subjects_total is a lower bound */
	uint64_t matches, matches_total;   /* this record's interval, and the flow's */
	uint64_t subjects, subjects_total; /* distinct people first named in the interval; all */
};

/* How much of the flow's outbound stream was inspected (egresswatch.inspection). */
struct ew_eval_inspection {
	uint8_t status; /* enum ew_inspection */
	uint8_t reason; /* enum ew_inspect_reason */
	uint64_t bytes;
};

struct ew_eval {
	/* the pipeline */
	uint64_t now_ns; /* the record's time (boottime) */
	uint64_t flow_id;
	int64_t realtime_offset_ns; /* wall clock = boottime + this */
	struct ew_owner owner;
	/* names */
	const char *domain;  /* the peer's name, "" when none */
	uint8_t name_source; /* enum ew_name_source */
	/* place */
	struct ew_place place;
	/* content */
	struct ew_eval_inspection inspection;
	const struct ew_eval_category *categories;
	uint32_t n_categories;
	/* what the flow received (content.inbound): not exports, the policy ignores it */
	bool inspected_in; /* its received stream was inspected: inspection_in is set */
	struct ew_eval_inspection inspection_in;
	const struct ew_eval_category *categories_in;
	uint32_t n_categories_in;
	const char *tls_library; /* the TLS library whose plaintext was inspected; NULL: none */
	/* verdict */
	bool has_verdict;
	struct ew_verdict verdict;
	/* the legal entity's year near a threshold, a cap or an expiry (alerts) */
	const struct ew_warning *warnings;
	int n_warnings;
	/* alert: the ids of the alerts raised about this flow so far (egresswatch.alert.ids) */
	const char (*alert_ids)[40];
	int n_alert_ids;
};

#endif
