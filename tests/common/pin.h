/* SPDX-License-Identifier: GPL-2.0-only */
/* pin.h - benchmarks measure one core: pin the calling thread to it. */
#ifndef EW_TEST_PIN_H
#define EW_TEST_PIN_H

/**
 * bench_pin_cpu() - pin to @cpu, or with @cpu < 0 to the highest CPU allowed
 * (CPU 0 takes most interrupts). Errors are printed as "@who: ...".
 * Return: the CPU pinned to, or -1.
 */
int bench_pin_cpu(int cpu, const char *who);

#endif
