/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert.h - one alert for SOC analysts: what the rules raise, what the
 * encoders (ECS JSON line, OCSF 4001) write and the sinks carry. Shared by
 * the alert stage (rules, folding), the encoders and the sinks; each of
 * those owns its own state.
 */
#ifndef EW_ALERT_H
#define EW_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ew_flow;
struct ew_eval;

enum ew_severity { EW_SEV_LOW, EW_SEV_MEDIUM, EW_SEV_HIGH, EW_SEV_CRITICAL, EW_SEV_MAX };

/*
 * The alert rules: EW_X(name, id, title, severity). The one table for the
 * rule engine, the encoders, the alerts command's --rule and the docs.
 * Append only: ids are what SOC filters match.
 */
#define EW_ALERT_RULES(EW_X)                                                                       \
	EW_X(VIOLATION, "EW-001", "Regulated data left without an approved route", CRITICAL)       \
	EW_X(OUT_OF_SCOPE, "EW-002", "Approved channel used outside its scope", HIGH)              \
	EW_X(THRESHOLD, "EW-003", "Yearly people threshold reached or approached", MEDIUM)         \
	EW_X(EXPIRING, "EW-004", "Approval expiring soon", MEDIUM)                                 \
	EW_X(REVIEW, "EW-005", "Destination or data needs review", LOW)                            \
	EW_X(MONITORING_GAP, "EW-006", "Monitoring gap: events or records lost", HIGH)             \
	EW_X(AGENT_RESTART, "EW-007", "Agent restarted: monitoring was interrupted", MEDIUM)       \
	EW_X(HOOKS_DEGRADED, "EW-008", "Monitoring hooks degraded", HIGH)                          \
	EW_X(POLICY_INVALID, "EW-009", "Invalid policy on reload: the old one stays", HIGH)        \
	EW_X(CONNECT_REFUSED, "EW-010", "Cross-border connect refused (enforcement)", HIGH)

enum ew_alert_rule {
#define EW_X(name, id, title, sev) EW_ALERT_##name,
	EW_ALERT_RULES(EW_X)
#undef EW_X
	    EW_ALERT_RULE_MAX
};

/* Categories an alert names: counts only, never a value. */
#define EW_ALERT_CATS 8

struct ew_alert_cat {
	char id[32];	   /* taxonomy id, like "vin" */
	uint8_t cls;	   /* its class: enum ew_class (ew_class_name()) */
	uint64_t matches;  /* matches the flow sent so far (summed over a fold) */
	uint64_t subjects; /* distinct people it named so far (summed over a fold) */
};

/*
 * What an alert says about its flow, copied out of the flow and its
 * evaluation when it is raised: a fold summary, or a sink's thread, has
 * no flow to look at. Strings are NUL-terminated; "" when unknown.
 */
struct ew_alert_facts {
	/* who */
	bool have_process;
	uint32_t pid, uid;
	char comm[16];
	char exe[256];
	char user[64];
	char container[80];
	char entity_id[64]; /* process.entity_id */
	/* where: ECS's source is the initiator, as in the flow records */
	bool have_flow;
	bool have_source; /* the initiator's address is known (a connect's local end may not be yet)
			   */
	char transport[4]; /* "tcp", "udp" */
	char direction[8]; /* "egress", "ingress", "unknown" */
	char source_ip[48], destination_ip[48];
	uint16_t source_port, destination_port;
	char community_id[48];
	char domain[256]; /* the peer's name */
	char country[3];  /* the peer's, alpha-2 */
	uint32_t asn;
	char border[16]; /* "cross_border", ... (ew_border_name()) */
	/* what */
	struct ew_alert_cat cats[EW_ALERT_CATS];
	int n_cats;
	uint64_t bytes_out; /* the flow's so far */
	/* why: the verdict as the record spells it */
	char verdict[16];
	char verdict_rule[40];
	char route[40];
	char channel[64];
	char exemption[64];
	char scope_failed[96];
	char missing[160];
	char detail[160]; /* the rule's own words: "PI people at 85% of pi_standard (100000)" */
};

/* One alert as raised (or a fold summary of its repeats). */
struct ew_alert {
	/* unique: "<8 hex of the host and the run's first alert time>-<seq>"; records carry it */
	char id[40];
	enum ew_alert_rule rule; /* what raised it */
	enum ew_severity severity;
	int64_t time_ns; /* wall clock of the evidence (pipeline time, not the host's clock) */
	uint64_t count;	 /* 1, or the repeats a fold summary stands for */
	bool summary;	 /* a fold summary: repeats of @id's rule, exe and destination */
	int64_t first_ns, last_ns; /* a summary's window: first and last repeat */
	const char *message;	   /* one sentence a person can act on; no raw values */
	/* the flow it is about; both NULL for alerts about the agent itself */
	const struct ew_flow *flow;
	const struct ew_eval *eval;
	uint64_t flow_id;
	/* health alerts: what was lost, and how much since the last alert */
	const char *metric; /* e.g. "ringbuf_full_total"; NULL: none */
	uint64_t lost;
	/*
	 * Added with the alert stage. Owned copies: an alert is complete without
	 * @flow and @eval, which are set only while the alert is raised from a
	 * record (NULL for fold summaries and health alerts). @message points
	 * into @text. Copying an ew_alert: re-point @message (ew_alert_copy()).
	 */
	const char *hostname; /* this host, "" when unknown */
	struct ew_alert_facts facts;
	char text[640]; /* @message's bytes */
};

/** ew_alert_copy() - *@dst = *@src with @dst->message into @dst->text; flow, eval NULL. */
void ew_alert_copy(struct ew_alert *dst, const struct ew_alert *src);

/** ew_alert_rule_id() - "EW-001". */
const char *ew_alert_rule_id(enum ew_alert_rule r);
/** ew_alert_rule_title() - "Regulated data left without an approved route". */
const char *ew_alert_rule_title(enum ew_alert_rule r);
/** ew_alert_rule_severity() - the rule's severity. */
enum ew_severity ew_alert_rule_severity(enum ew_alert_rule r);
/** ew_alert_rule_by_id() - a rule from "EW-001" (any case); -1: unknown. */
int ew_alert_rule_by_id(const char *id);
/** ew_severity_name() - "low" .. "critical". */
const char *ew_severity_name(enum ew_severity s);
/** ew_severity_by_name() - "low" .. "critical" (any case); -1: unknown. */
int ew_severity_by_name(const char *name);
/** ew_severity_ecs() - event.severity: 21, 47, 73, 99 (ECS's 0-100 scale). */
int ew_severity_ecs(enum ew_severity s);

#endif
