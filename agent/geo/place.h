/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * place.h - the enricher that says where each flow's peer is and whether
 * the flow crossed the border (egresswatch.border, egresswatch.peer.country,
 * ASN): the policy's networks, then the geolocation databases, then the
 * special-purpose ranges (border.h). It owns the databases from the start
 * on and reloads them on SIGHUP and when their files change; a database
 * that does not open is refused with an error and the one in use is kept.
 */
#ifndef EW_PLACE_H
#define EW_PLACE_H

#include "pipeline/stage.h"

extern const struct ew_stage_def ew_place_stage;

#endif
