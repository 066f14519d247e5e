/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * alert_fold.h - noise control: repeats of one (rule, process executable,
 * destination) within a window fold into one alert. The first is sent at
 * once; when the window closes (pipeline time, so a replay folds alike) a
 * summary says how many there were, first one included, if more than one.
 */
#ifndef EW_ALERT_FOLD_H
#define EW_ALERT_FOLD_H

#include <stdbool.h>
#include <stdint.h>

#include "alert/alert.h"

struct ew_alert_fold;

/** A window's summary, ready to send (valid during the call). */
typedef void (*ew_alert_fold_fn)(void *arg, const struct ew_alert *summary);

/**
 * ew_alert_fold_new() - windows of @window_ns (0: nothing folds), at most
 * @max_keys open at once (past it an alert is sent unfolded).
 */
struct ew_alert_fold *ew_alert_fold_new(uint64_t window_ns, uint32_t max_keys);
void ew_alert_fold_free(struct ew_alert_fold *f);

/**
 * ew_alert_fold_add() - one alert at pipeline time @now.
 * Return: true when it is new (send it; its id opens a window), false when
 * it is a repeat: counted, and @a->id set to the id of the window's first.
 */
bool ew_alert_fold_add(struct ew_alert_fold *f, struct ew_alert *a, uint64_t now);

/**
 * ew_alert_fold_expire() - close the windows that ended by @now (all with
 * @all: the end of a run); each with repeats gives @fn a summary, dated
 * its window's end (@realtime_offset_ns: wall clock = pipeline time + it).
 */
void ew_alert_fold_expire(struct ew_alert_fold *f, uint64_t now, bool all,
			  int64_t realtime_offset_ns, ew_alert_fold_fn fn, void *arg);

/** ew_alert_fold_open() - windows open now. */
uint32_t ew_alert_fold_open(const struct ew_alert_fold *f);
/** ew_alert_fold_unfolded() - alerts sent unfolded because max_keys windows were open. */
uint64_t ew_alert_fold_unfolded(const struct ew_alert_fold *f);

#endif
