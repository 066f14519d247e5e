/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ocsf.h - an alert as an OCSF 1.3.0 Network Activity event (class 4001),
 * the second JSON shape for SIEMs that ingest OCSF (Security Lake, Splunk,
 * Sentinel's ASIM mappers). Category names and counts only, never values.
 */
#ifndef EW_OCSF_H
#define EW_OCSF_H

#include <stdbool.h>
#include <stdint.h>

#include "alert/alert.h"
#include "util/jsonw.h"

/* The OCSF schema release the events follow (metadata.version). */
#define EW_OCSF_VERSION "1.3.0"

#define EW_OCSF_MAX_CATS 16

/*
 * What the encoder says about the flow, in text: ew_alert_ocsf() fills it
 * from @a->flow and @a->eval; an alert whose flow is gone (a fold summary
 * delivered later) can be filled from copies and passed to
 * ew_alert_ocsf_flow(). Strings may be NULL or "" when unknown.
 */
struct ew_ocsf_flow {
	bool ingress; /* the peer initiated: src_endpoint is the peer */
	bool direction_known;
	const char *local_ip; /* NULL: not known yet (a connect's local end) */
	uint16_t local_port;
	const char *peer_ip; /* required */
	uint16_t peer_port;
	const char *domain, *country, *as_org; /* the peer's */
	uint32_t asn;
	uint8_t proto;	/* 6 tcp, 17 udp */
	uint8_t family; /* 4 or 6 */
	bool have_process;
	uint32_t pid, uid;
	const char *comm, *exe, *cmdline, *entity_id, *user;
	struct {
		const char *id;
		int cls; /* enum ew_class: EW_CLASS_PI .. EW_CLASS_IMPORTANT_DATA */
		uint64_t matches, subjects;
	} cats[EW_OCSF_MAX_CATS];
	int n_cats;
	const char *channel; /* the verdict's channel, or NULL */
	const char *missing; /* what approval is missing, or NULL */
};

/**
 * ew_alert_ocsf_flow() - as ew_alert_ocsf(), with the flow described by @v
 * instead of @a->flow and @a->eval. @v NULL: an alert without a flow.
 * Return: as ew_alert_ocsf().
 */
int ew_alert_ocsf_flow(struct ew_jsonw *w, const char *hostname, const struct ew_alert *a,
		       const struct ew_ocsf_flow *v);

/**
 * ew_alert_ocsf() - write @a as one OCSF Network Activity object.
 * @w: a writer, reset by the caller; the object is its whole document
 * @hostname: this host (device.hostname); NULL or "" leaves device out
 * @a: the alert
 *
 * Alerts about the agent itself (no flow: EW-006..EW-009) have no network
 * activity to describe, and a 4001 event requires dst_endpoint: they are not
 * OCSF events and nothing is written. Those reach SOCs through the ECS file,
 * stdout and syslog sinks. So does an alert whose @flow is NULL (a fold
 * summary) unless the caller describes the flow: ew_alert_ocsf_flow().
 *
 * Return: 0, -ENOMSG for an alert without a flow (skip it, not a drop),
 * -ENOMEM when the writer failed.
 */
int ew_alert_ocsf(struct ew_jsonw *w, const char *hostname, const struct ew_alert *a);

/** ew_alert_ocsf_severity() - severity_id: low 2, medium 3, high 4, critical 5. */
int ew_alert_ocsf_severity(enum ew_severity s);

#endif
