// SPDX-License-Identifier: GPL-2.0-only
#include "content/enums.h"

#include <string.h>

#define NAME_OF(table, v)                                                                          \
	((v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "unknown")

static const char *const inspections[EW_INSPECT_MAX] = {
    [EW_INSPECT_NONE] = "none",
    [EW_INSPECT_COMPLETE] = "complete",
    [EW_INSPECT_TRUNCATED] = "truncated",
    [EW_INSPECT_ENCRYPTED] = "encrypted",
};

static const char *const reasons[EW_REASON_MAX] = {
#define EW_X(name, label, help) [EW_REASON_##name] = label,
    EW_INSPECT_REASONS(EW_X)
#undef EW_X
};

/* From EW_CLASS_PI, NULL-terminated: the taxonomy loader parses "class" with it. */
const char *const ew_class_names[] = {"pi", "sensitive_pi", "important_data", NULL};

static const char *const vias[] = {
    [EW_VIA_CONTENT] = "content",
    [EW_VIA_WORKLOAD] = "workload",
    [EW_VIA_DESTINATION] = "destination",
};

const char *ew_inspection_name(unsigned int status)
{
	return NAME_OF(inspections, status);
}

const char *ew_reason_name(unsigned int reason)
{
	return NAME_OF(reasons, reason);
}

const char *ew_class_name(unsigned int cls)
{
	return cls >= EW_CLASS_PI && cls <= EW_CLASS_IMPORTANT_DATA
		   ? ew_class_names[cls - EW_CLASS_PI]
		   : "unknown";
}

const char *ew_via_name(unsigned int via)
{
	return NAME_OF(vias, via);
}
