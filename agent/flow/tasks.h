/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tasks.h - the owners flows name, each kept once and shared.
 *
 * A host with 100,000 connections holds 200,000 flows, nearly all owned by
 * a handful of threads: a flow refers to its owner (struct ew_task, 40
 * bytes) here instead of carrying a copy. Entries are counted references,
 * freed with their last flow.
 */
#ifndef EW_TASKS_H
#define EW_TASKS_H

#include <stddef.h>

#include "ew.h"

struct ew_tasks;

struct ew_tasks *ew_tasks_new(void);
/** ew_tasks_free() - free the table and every entry (references still held die with it). */
void ew_tasks_free(struct ew_tasks *ts);

/**
 * ew_tasks_get() - a reference to the entry equal to @task, made if new.
 * Return: the entry (its address stays while referenced), NULL without memory.
 */
const struct ew_task *ew_tasks_get(struct ew_tasks *ts, const struct ew_task *task);

/** ew_tasks_put() - drop a reference from ew_tasks_get(); NULL is ignored. */
void ew_tasks_put(struct ew_tasks *ts, const struct ew_task *task);

/** ew_tasks_count() - distinct entries held now. */
size_t ew_tasks_count(const struct ew_tasks *ts);

#endif
