/* SPDX-License-Identifier: GPL-2.0-only */
/* decide_util.h - lookups the verdict shares with its warnings; not for other modules. */
#ifndef EW_DECIDE_UTIL_H
#define EW_DECIDE_UTIL_H

#include <stddef.h>

#include "verdict/decide.h"

/** ew_dutil_cc() - the channels naming country @cc, or NULL. */
const struct ew_cc_chans *ew_dutil_cc(const struct ew_chan_index *x, const char *cc);

/** ew_dutil_nets() - OR into @d the channels with a network holding @addr. */
void ew_dutil_nets(const struct ew_chan_index *x, const uint8_t *addr, struct ew_bits256 *d);

/** ew_dutil_domain() - whether normalised @domain matches one of @s's domain globs. */
bool ew_dutil_domain(const struct ew_scope *s, const char *domain);

/**
 * ew_dutil_dest() - whether the flow's destination is in @s: true when @s
 * names no destination at all; else its country, address or domain.
 */
bool ew_dutil_dest(const struct ew_scope *s, const struct ew_verdict_in *in, const char *domain);

/** ew_dutil_domain_norm() - lowercase, no trailing dot; "" for NULL or too long. */
void ew_dutil_domain_norm(const char *in, char *out, size_t len);

/** ew_dutil_filed_exemption() - a security_incident/ota_defect exemption covering the flow, or -1.
 */
int ew_dutil_filed_exemption(const struct ew_rules *r, const struct ew_verdict_in *in,
			     const char *domain);

/** ew_dutil_other_exemption() - a returned_abroad or attested exemption covering it, or -1. */
int ew_dutil_other_exemption(const struct ew_rules *r, const struct ew_verdict_in *in,
			     const char *domain, bool important);

#endif
