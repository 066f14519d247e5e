// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the policy loader and its labels: any text either
 * loads or is refused with a message naming the file, and what loads can
 * be matched against owners and destinations without a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/labels.h"
#include "policy/policy.h"
#include "verdict/decide.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *arg, unsigned int cat, const char *category, const char *label)
{
	struct ew_labels *l = arg;

	if ((int)cat >= l->n_cats || strcmp(l->cats[cat], category) || !label[0])
		abort();
}

/* What loads decides flows of every class to a few places without a crash. */
static void verdicts(const struct ew_policy *p, const uint8_t *addr)
{
	static const char *const ids[] = {"vin", "ota_source", "id_number", "hd_map"};
	static const enum ew_class cls[] = {EW_CLASS_PI, EW_CLASS_IMPORTANT_DATA,
					    EW_CLASS_SENSITIVE_PI, EW_CLASS_IMPORTANT_DATA};
	static const char *const wl[] = {"hr-sync"};
	struct ew_people_band cp[EW_RULES_MAX_CHANNELS] = {{0, 0}};
	struct ew_flow_cat cats[4];
	struct ew_warning w[8];
	struct ew_verdict v;

	for (int i = 0; i < 4; i++)
		cats[i] = (struct ew_flow_cat){.id = ids[i],
					       .idx = ew_rules_cat_index(&p->rules, ids[i]),
					       .cls = cls[i],
					       .subjects = 3};
	for (int k = 0; k < 8; k++) {
		struct ew_verdict_in in = {.day = 20605 + k * 200,
					   .place = (enum ew_vplace)(k % 4),
					   .addr = k & 1 ? addr : NULL,
					   .domain = k & 2 ? "A.Example.COM." : NULL,
					   .workloads = wl,
					   .n_workloads = k & 1,
					   .cats = cats + (k % 4),
					   .n_cats = 4 - (k % 4),
					   .returned_abroad = k == 5,
					   .channel_people = k & 4 ? cp : NULL};

		memcpy(in.country, k & 2 ? "HK" : "US", 3);
		for (int c = 0; c < EW_CLASSES; c++)
			in.people[c] =
			    (struct ew_people_band){(uint64_t)k * 150000, (uint64_t)k * 160000};
		ew_decide(&p->rules, &in, &v);
		if ((unsigned int)v.verdict > EW_VERDICT_REVIEW ||
		    (v.channel >= 0 && v.channel >= p->rules.n_channels) ||
		    (v.exemption >= 0 && v.exemption >= p->rules.n_exemptions))
			abort();
		if (v.verdict == EW_VERDICT_VIOLATION && !v.missing[0])
			abort();
	}
	if (ew_decide_warnings(&p->rules, 20605, cp, cp, w, 8) > 8)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t v4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	struct ew_workload_view views[] = {
	    {"/opt/dms/bin/face", "face --camera 0", "/system.slice/dms.service",
	     "3f2a9c1b7d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef", "dms.service"},
	    {"/a", "", "/", "", ""},
	    {NULL, NULL, NULL, NULL, NULL},
	};
	struct ew_policy p;
	char err[512];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (ew_policy_parse("f.json", text, &p, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
			ew_labels_workload(&p.labels, &views[i], count, &p.labels);
		ew_labels_destination(&p.labels, v4, "a.b.example.com.", count, &p.labels);
		ew_labels_destination(&p.labels, v6, "", count, &p.labels);
		ew_labels_destination(&p.labels, NULL, "EXAMPLE.COM", count, &p.labels);
		verdicts(&p, v4);
		verdicts(&p, v6);
		ew_policy_free(&p);
	} else if (strncmp(err, "f.json", 6)) {
		abort();
	}
	free(text);
	return 0;
}
