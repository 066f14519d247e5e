/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enums.h - the names records, metrics and the classify command give the
 * content ABI's enums (ew.h): one table each, so they cannot drift apart.
 */
#ifndef EW_ENUMS_H
#define EW_ENUMS_H

#include "ew.h"

/* Each returns "unknown" for a value outside its enum. */
const char *ew_inspection_name(unsigned int status); /* enum ew_inspection */
const char *ew_reason_name(unsigned int reason);     /* enum ew_inspect_reason */
const char *ew_class_name(unsigned int cls);	     /* enum ew_class */
const char *ew_via_name(unsigned int via);	     /* enum ew_via */

/* The classes' names from EW_CLASS_PI on, then NULL. */
extern const char *const ew_class_names[];

#endif
