// SPDX-License-Identifier: GPL-2.0-only
#include "alert/alert.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *id, *title;
	enum ew_severity sev;
} rules[EW_ALERT_RULE_MAX] = {
#define EW_X(name, id, title, sev) [EW_ALERT_##name] = {id, title, EW_SEV_##sev},
    EW_ALERT_RULES(EW_X)
#undef EW_X
};

static const char *const sev_names[EW_SEV_MAX] = {"low", "medium", "high", "critical"};

const char *ew_alert_rule_id(enum ew_alert_rule r)
{
	return (unsigned)r < EW_ALERT_RULE_MAX ? rules[r].id : "EW-000";
}

const char *ew_alert_rule_title(enum ew_alert_rule r)
{
	return (unsigned)r < EW_ALERT_RULE_MAX ? rules[r].title : "unknown rule";
}

enum ew_severity ew_alert_rule_severity(enum ew_alert_rule r)
{
	return (unsigned)r < EW_ALERT_RULE_MAX ? rules[r].sev : EW_SEV_LOW;
}

int ew_alert_rule_by_id(const char *id)
{
	for (int i = 0; i < EW_ALERT_RULE_MAX; i++)
		if (!strcasecmp(id, rules[i].id))
			return i;
	return -1;
}

const char *ew_severity_name(enum ew_severity s)
{
	return (unsigned)s < EW_SEV_MAX ? sev_names[s] : "low";
}

int ew_severity_by_name(const char *name)
{
	for (int i = 0; i < EW_SEV_MAX; i++)
		if (!strcasecmp(name, sev_names[i]))
			return i;
	return -1;
}

int ew_severity_ecs(enum ew_severity s)
{
	/* ECS leaves the scale to the source; these are the quarters' midpoints
	 * Elastic's detection rules use (low 21, medium 47, high 73, critical 99). */
	static const int ecs[EW_SEV_MAX] = {21, 47, 73, 99};

	return (unsigned)s < EW_SEV_MAX ? ecs[s] : 21;
}

void ew_alert_copy(struct ew_alert *dst, const struct ew_alert *src)
{
	memcpy(dst, src, sizeof(*dst));
	dst->message = dst->text;
	if (src->message && src->message != src->text)
		snprintf(dst->text, sizeof(dst->text), "%s", src->message);
	dst->flow = NULL;
	dst->eval = NULL;
}
