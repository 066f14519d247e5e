/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * runtime.h - the live side of `egresswatch run`: load and attach the kernel
 * programs, feed the pipeline from the ring buffer and the userspace
 * sources (/proc scan, listener scan, UDP counters, TCP sweeps, the clock),
 * and react to signals, until told to stop.
 */
#ifndef EW_RUNTIME_H
#define EW_RUNTIME_H

#include <stdbool.h>

#include "config/inputs.h"

struct ew_runtime_opts {
	struct ew_inputs *in; /* the runtime takes in->geo over */
	const char *capture;  /* --capture FILE, or NULL */
	double duration;      /* seconds; 0: until SIGTERM/SIGINT */
	bool print;	      /* a line per record on stdout */
};

/**
 * ew_runtime_run() - everything between the inputs and the exit status.
 * Return: 0 stopped cleanly, 1 runtime failure (kernel, permissions, disk).
 */
int ew_runtime_run(const struct ew_runtime_opts *o);

#endif
