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

static const char *const classes[] = {
    [EW_CLASS_PI] = "pi",
    [EW_CLASS_SENSITIVE_PI] = "sensitive_pi",
    [EW_CLASS_IMPORTANT_DATA] = "important_data",
};

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
	return NAME_OF(classes, cls);
}

const char *ew_via_name(unsigned int via)
{
	return NAME_OF(vias, via);
}

unsigned int ew_class_parse(const char *s)
{
	for (unsigned int i = 1; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strcmp(s, classes[i]))
			return i;
	return 0;
}
