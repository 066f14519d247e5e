/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * refused.h - the connects the kernel refused (EW_EV_CONNECT_REFUSED): a
 * stage that counts them per enforced workload (connects_refused_total)
 * and logs them, live and in a replay alike. The alert stage raises
 * EW-010 (EW_ALERT_CONNECT_REFUSED) per event: it subscribes with
 * EW_STAGE_EV(EW_EV_CONNECT_REFUSED) and words it with ew_refused_message().
 */
#ifndef EW_REFUSED_H
#define EW_REFUSED_H

#include <stddef.h>

#include "ew.h"
#include "pipeline/stage.h"
#include "policy/policy.h"

extern const struct ew_stage_def ew_refused_stage;

/**
 * ew_refused_message() - one sentence for a refusal: who (process name, pid,
 * the workload @pol names by ev->workloads) was refused which address, port
 * and protocol, and why.
 * Return: the length written (snprintf's), or -EINVAL.
 */
int ew_refused_message(const struct ew_policy *pol, const struct ew_ev_connect_refused *ev,
		       char *buf, size_t len);

/**
 * ew_refused_stage_policy() - the stage @s (ew_refused_stage's) names
 * workloads after @pol from now on: call it when a reload swaps the policy
 * (the stage keeps a copy of the names, never a pointer into a policy).
 */
void ew_refused_stage_policy(struct ew_stage *s, const struct ew_policy *pol);

/** ew_refused_addr() - ev->raddr as text ("198.18.2.2", "2001:db8::1") into @buf. */
void ew_refused_addr(const struct ew_ev_connect_refused *ev, char *buf, size_t len);

#endif
