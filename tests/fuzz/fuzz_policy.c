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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *arg, unsigned int cat, const char *category, const char *label)
{
	struct ew_labels *l = arg;

	if ((int)cat >= l->n_cats || strcmp(l->cats[cat], category) || !label[0])
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
		ew_policy_free(&p);
	} else if (strncmp(err, "f.json", 6)) {
		abort();
	}
	free(text);
	return 0;
}
