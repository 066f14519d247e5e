// SPDX-License-Identifier: GPL-2.0-only
/* Metric families with zero, one and two labels: the same members in JSON and Prometheus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pipeline/metrics.h"
#include "util/jsonw.h"

static struct ew_metrics *sample(void)
{
	struct ew_metrics *m = ew_metrics_new();

	cr_assert_not_null(m);
	ew_metrics_add(m, "files_total", "Files.", 0, 7);
	ew_metrics_add1(m, "drops_total", "Drops.", EW_M_LOSS, "reason", "full", 2);
	ew_metrics_add1(m, "drops_total", "Drops.", EW_M_LOSS, "reason", "late", 3);
	ew_metrics_add2(m, "targets_total", "Targets.", EW_M_GAUGE, "library", "gnutls-3.7",
			"result", "hooked", 1);
	ew_metrics_add2(m, "targets_total", "Targets.", EW_M_GAUGE, "library", "openssl-3.0",
			"result", "failed", 4);
	ew_metrics_add2(m, "targets_total", "Targets.", EW_M_GAUGE, "library", "openssl-3.0",
			"result", "hooked", 5);
	ew_metrics_add(m, "scans_total", "Host facts.", EW_M_HOST, 9);
	return m;
}

Test(metrics, two_labels_in_json)
{
	struct ew_metrics *m = sample();
	struct ew_jsonw w;

	ew_jsonw_init(&w);
	ew_jsonw_obj_begin(&w, NULL);
	ew_metrics_json(m, NULL, &w);
	ew_jsonw_obj_end(&w);
	cr_assert_not(w.oom);
	cr_assert_str_eq(w.buf, "{\"files_total\":7,\"drops_total\":{\"full\":2,\"late\":3},"
				"\"targets_total\":{\"gnutls-3.7\":{\"hooked\":1},"
				"\"openssl-3.0\":{\"failed\":4,\"hooked\":5}},"
				"\"lost_total\":5,\"lost_since_previous\":5,"
				"\"losses_moved\":[\"drops_total.full\",\"drops_total.late\"]}");
	cr_assert_null(strstr(w.buf, "scans_total"), "host facts: not in metric records");
	cr_assert_eq(ew_metrics_get(m, "targets_total", "openssl-3.0", "failed"), 4);
	cr_assert_eq(ew_metrics_get(m, "targets_total", "openssl-3.0", NULL), 0);
	cr_assert_eq(ew_metrics_get(m, "drops_total", "late", NULL), 3);
	cr_assert_eq(ew_metrics_sum(m, "targets_total"), 10);
	cr_assert_eq(ew_metrics_lost(m), 5, "only EW_M_LOSS families are losses");
	ew_jsonw_free(&w);
	ew_metrics_free(m);
}

Test(metrics, two_labels_in_prometheus)
{
	char dir[] = "/tmp/ew-metrics-XXXXXX", path[64], text[8192];
	struct ew_metrics *m = sample();
	size_t n;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.prom", dir);
	cr_assert_eq(ew_metrics_write_prom(m, path), 0);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	cr_assert_not_null(strstr(text, "# TYPE egresswatch_targets_total gauge\n"
					"egresswatch_targets_total{library=\"gnutls-3.7\","
					"result=\"hooked\"} 1\n"
					"egresswatch_targets_total{library=\"openssl-3.0\","
					"result=\"failed\"} 4\n"
					"egresswatch_targets_total{library=\"openssl-3.0\","
					"result=\"hooked\"} 5\n"),
			   "%s", text);
	cr_assert_not_null(strstr(text, "egresswatch_drops_total{reason=\"late\"} 3\n"));
	cr_assert_not_null(strstr(text, "egresswatch_files_total 7\n"));
	cr_assert_not_null(strstr(text, "egresswatch_scans_total 9\n"), "host facts: in the file");
	cr_assert_not_null(strstr(text, "egresswatch_lost_total 5\n"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/.m.prom.tmp", dir);
	unlink(path);
	ew_metrics_free(m);
	cr_assert_eq(system((snprintf(text, sizeof(text), "rm -rf %s", dir), text)), 0);
}
