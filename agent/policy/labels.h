/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * labels.h - data categories the policy states rather than inspection
 * finds: "what this workload sends is biometric" (workloads) and "what goes
 * to this network or domain is HD-map data" (destinations). For what the
 * content stage cannot see: mutual TLS inside a Go binary, cabin audio,
 * face templates.
 *
 * Matching runs on every record, so the policy's globs are compiled at load
 * into literal compares where they allow it (exact, prefix*, *suffix,
 * *infix*) and only the rest go through fnmatch(). Nothing is cached per
 * process: a record costs a few hundred nanoseconds with dozens of labels
 * (tests/unit/policy/test_labels.c prints it), less than the record's own
 * JSON; a caller that wants less computes it once per flow.
 */
#ifndef EW_LABELS_H
#define EW_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "policy/glob.h"
#include "util/jsoncheck.h"

#define EW_LABELS_MAX_WORKLOADS	   256
#define EW_LABELS_MAX_DESTINATIONS 256
#define EW_LABELS_MAX_ENTRY_CATS   16  /* categories of one entry */
#define EW_LABELS_MAX_CATS	   256 /* distinct categories in the policy */
#define EW_LABELS_MAX_DEST_NETS	   256 /* networks of one destination */
#define EW_LABELS_MAX_DEST_DOMAINS 64  /* domains of one destination */
#define EW_LABELS_CAT_LEN	   32  /* [a-z0-9_]{1,31} and the NUL */
#define EW_LABELS_NAME_LEN	   64

/* The selectors of a workload, in the order they are tried: cheapest first. */
enum ew_label_sel {
	EW_SEL_CONTAINER, /* container_id: 12 to 64 lowercase hex, a prefix of the id */
	EW_SEL_UNIT,	  /* systemd_unit: glob */
	EW_SEL_EXE,	  /* executable: glob on the path */
	EW_SEL_CGROUP,	  /* cgroup: glob on the cgroup v2 path */
	EW_SEL_CMDLINE,	  /* command_line: glob on argv joined by spaces */
	EW_SEL_MAX
};

struct ew_workload_label {
	char name[EW_LABELS_NAME_LEN];
	struct ew_glob sel[EW_SEL_MAX];
	uint16_t cats[EW_LABELS_MAX_ENTRY_CATS]; /* indexes into ew_labels.cats */
	uint8_t n_cats;
	/* "enforce": true: the connect hook refuses its connects to addresses no
	 * channel covers (agent/kernel/enforce.c); false, the default: monitor only */
	bool enforce;
};

/*
 * Which selectors the kernel can decide at connect() (ew_labels_enforceable()):
 * the executable by its file, and cgroup, systemd_unit and container_id by
 * the caller's cgroup. A command line is not known there.
 */
#define EW_SEL_KERNEL                                                                              \
	((1u << EW_SEL_EXE) | (1u << EW_SEL_UNIT) | (1u << EW_SEL_CGROUP) |                        \
	 (1u << EW_SEL_CONTAINER))

struct ew_dest_net {
	uint64_t hi, lo;   /* the network, big-endian halves of the 128-bit form */
	uint64_t mhi, mlo; /* its mask */
	uint8_t addr[16];  /* IPv4 as ::ffff:a.b.c.d */
	uint8_t prefix;	   /* over the 128-bit form */
};

struct ew_dest_label {
	char name[EW_LABELS_NAME_LEN];
	struct ew_dest_net *nets; /* owned */
	int n_nets;
	char **domains; /* owned; lowercase, no trailing dot */
	uint16_t *domain_len;
	int n_domains;
	uint16_t cats[EW_LABELS_MAX_ENTRY_CATS];
	uint8_t n_cats;
};

struct ew_labels {
	struct ew_workload_label *workloads; /* owned */
	int n_workloads;
	struct ew_dest_label *dests; /* owned */
	int n_dests;
	/* distinct category ids, and where each was first named (for errors) */
	char (*cats)[EW_LABELS_CAT_LEN];
	char (*cat_path)[96];
	int n_cats;
	char file[256]; /* the policy file, for messages */
};

/*
 * What a workload selector looks at; NULL or "" when not known (then a
 * selector on it does not match).
 */
struct ew_workload_view {
	const char *exe;
	const char *cmdline;
	const char *cgroup;	  /* cgroup v2 path */
	const char *container_id; /* 64 lowercase hex */
	const char *unit;	  /* innermost systemd unit */
};

struct ew_owner;

/**
 * typedef ew_labels_fn - called once per category of each matching entry.
 * @cat: index of @category in ew_labels.cats (stable for the policy's life:
 *       map it to the taxonomy once, not per record)
 * @label: the entry's name, for "via"
 */
typedef void (*ew_labels_fn)(void *arg, unsigned int cat, const char *category, const char *label);

/**
 * ew_labels_parse() - the policy's "workloads" and "destinations" arrays.
 * @workloads, @dests: the members of @doc, or NULL when absent
 *
 * Return: 0 or -EINVAL / -ENOMEM with "FILE: $.workloads[2].executable: ..."
 * set through @jc. @l is left for ew_labels_free() either way.
 */
int ew_labels_parse(struct ew_jc *jc, const cJSON *workloads, const cJSON *dests,
		    struct ew_labels *l);

/** ew_labels_free() - release what ew_labels_parse() allocated; @l is empty after. */
void ew_labels_free(struct ew_labels *l);

/**
 * ew_labels_view() - the selector inputs of a record's owner: the process
 * table's exe and command line, the cgroup table's path, container and unit.
 */
void ew_labels_view(const struct ew_owner *o, struct ew_workload_view *v);

/**
 * ew_labels_workload() - call @fn for each category of each workload label
 * whose selectors all match @v.
 * Return: the number of labels that matched.
 */
int ew_labels_workload(const struct ew_labels *l, const struct ew_workload_view *v, ew_labels_fn fn,
		       void *arg);

/** ew_labels_owner() - ew_labels_workload() on ew_labels_view(@o). */
int ew_labels_owner(const struct ew_labels *l, const struct ew_owner *o, ew_labels_fn fn,
		    void *arg);

/**
 * ew_labels_destination() - call @fn for each category of each destination
 * label that names @addr in one of its networks or @domain (or a parent
 * domain of it) in its domains.
 * @addr: the peer, IPv4 as ::ffff:a.b.c.d; NULL when not known
 * @domain: the peer's name, any case, trailing dot or not; NULL or "" when none
 * Return: the number of labels that matched.
 */
int ew_labels_destination(const struct ew_labels *l, const uint8_t *addr, const char *domain,
			  ew_labels_fn fn, void *arg);

/**
 * ew_labels_check_categories() - whether every category the labels name is
 * one @known accepts (the taxonomy's ids).
 * Return: 0, or -EINVAL with "FILE: $.workloads[0].categories[1]: unknown
 * category \"x\"" in @err.
 */
int ew_labels_check_categories(const struct ew_labels *l, bool (*known)(void *arg, const char *id),
			       void *arg, char *err, size_t errlen);

/**
 * ew_labels_enforceable() - the selectors of workload @w the kernel decides
 * (a mask of 1 << enum ew_label_sel, within EW_SEL_KERNEL); 0 when it gives
 * none, so that "enforce" cannot be kept for it.
 */
unsigned int ew_labels_enforceable(const struct ew_workload_label *w);

#endif
