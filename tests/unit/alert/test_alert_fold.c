// SPDX-License-Identifier: GPL-2.0-only
/* Folding: the first at once, a summary with the count when the window closes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "alert/alert_fold.h"
#include "alert/facts.h"

#define S 1000000000ull

static struct ew_alert got[16];
static int n_got;

static void collect(void *arg, const struct ew_alert *a)
{
	(void)arg;
	cr_assert_lt(n_got, 16);
	ew_alert_copy(&got[n_got++], a);
}

static void mk(struct ew_alert *a, const char *exe, const char *ip, uint64_t t, int id)
{
	memset(a, 0, sizeof(*a));
	a->rule = EW_ALERT_VIOLATION;
	a->time_ns = (int64_t)t;
	a->facts.have_flow = a->facts.have_process = true;
	snprintf(a->facts.exe, sizeof(a->facts.exe), "%s", exe);
	snprintf(a->facts.comm, sizeof(a->facts.comm), "up");
	snprintf(a->facts.destination_ip, sizeof(a->facts.destination_ip), "%s", ip);
	snprintf(a->facts.country, sizeof(a->facts.country), "US");
	a->facts.n_cats = 1;
	snprintf(a->facts.cats[0].id, sizeof(a->facts.cats[0].id), "vin");
	a->facts.cats[0].matches = 2;
	a->facts.cats[0].subjects = 1;
	snprintf(a->id, sizeof(a->id), "abcdef01-%d", id);
	a->count = 1;
}

Test(alert_fold, thousand_repeats_one_alert_one_summary)
{
	struct ew_alert_fold *f = ew_alert_fold_new(60 * S, 64);
	struct ew_alert a;
	int sent = 0;

	n_got = 0;
	for (int i = 0; i < 1000; i++) {
		mk(&a, "/usr/bin/up", "198.18.0.2", 10 * S + (uint64_t)i * 1000000, i + 1);
		if (ew_alert_fold_add(f, &a, 10 * S + (uint64_t)i * 1000000))
			sent++;
		else
			cr_assert_str_eq(a.id, "abcdef01-1", "a repeat names its window's first");
	}
	cr_assert_eq(sent, 1);
	cr_assert_eq(ew_alert_fold_open(f), 1);
	ew_alert_fold_expire(f, 69 * S, false, 0, collect, NULL);
	cr_assert_eq(n_got, 0, "the window is still open");
	ew_alert_fold_expire(f, 70 * S, false, 0, collect, NULL);
	cr_assert_eq(n_got, 1);
	cr_assert(got[0].summary);
	cr_assert_eq(got[0].count, 1000);
	cr_assert_str_eq(got[0].id, "abcdef01-1");
	cr_assert_eq(got[0].time_ns, (int64_t)(70 * S));
	cr_assert_eq(got[0].first_ns, (int64_t)(10 * S));
	cr_assert_eq(got[0].last_ns, (int64_t)(10 * S + 999 * 1000000ull));
	cr_assert_eq(got[0].facts.cats[0].matches, 2000, "counts summed over the repeats");
	cr_assert(strstr(got[0].message, "Repeated 1000 times"), "%s", got[0].message);
	cr_assert_eq(ew_alert_fold_open(f), 0);
	/* After the window: new again. */
	mk(&a, "/usr/bin/up", "198.18.0.2", 71 * S, 2000);
	cr_assert(ew_alert_fold_add(f, &a, 71 * S));
	ew_alert_fold_free(f);
}

Test(alert_fold, key_is_rule_exe_destination)
{
	struct ew_alert_fold *f = ew_alert_fold_new(60 * S, 64);
	struct ew_alert a;

	mk(&a, "/usr/bin/up", "198.18.0.2", S, 1);
	cr_assert(ew_alert_fold_add(f, &a, S));
	mk(&a, "/usr/bin/other", "198.18.0.2", S, 2);
	cr_assert(ew_alert_fold_add(f, &a, S), "another executable");
	mk(&a, "/usr/bin/up", "198.18.0.3", S, 3);
	cr_assert(ew_alert_fold_add(f, &a, S), "another destination");
	mk(&a, "/usr/bin/up", "198.18.0.2", S, 4);
	a.rule = EW_ALERT_REVIEW;
	cr_assert(ew_alert_fold_add(f, &a, S), "another rule");
	mk(&a, "/usr/bin/up", "198.18.0.2", 2 * S, 5);
	cr_assert_not(ew_alert_fold_add(f, &a, 2 * S));
	/* A single alert in its window gives no summary, even at the end of the run. */
	n_got = 0;
	ew_alert_fold_expire(f, 3 * S, true, 0, collect, NULL);
	cr_assert_eq(n_got, 1);
	cr_assert_eq(got[0].count, 2);
	cr_assert_eq(got[0].time_ns, (int64_t)(3 * S), "closed early: dated at the run's end");
	cr_assert_eq(ew_alert_fold_open(f), 0);
	ew_alert_fold_free(f);
}

Test(alert_fold, no_window_and_full_table)
{
	struct ew_alert_fold *f = ew_alert_fold_new(0, 64);
	struct ew_alert a;

	mk(&a, "/usr/bin/up", "198.18.0.2", S, 1);
	cr_assert(ew_alert_fold_add(f, &a, S));
	cr_assert(ew_alert_fold_add(f, &a, S), "fold_seconds 0: nothing folds");
	ew_alert_fold_free(f);
	f = ew_alert_fold_new(60 * S, 2);
	for (int i = 0; i < 3; i++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "198.18.0.%d", i + 2);
		mk(&a, "/usr/bin/up", ip, S, i);
		cr_assert(ew_alert_fold_add(f, &a, S));
	}
	cr_assert_eq(ew_alert_fold_unfolded(f), 1);
	cr_assert_eq(ew_alert_fold_open(f), 2);
	ew_alert_fold_free(f);
}
