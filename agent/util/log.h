/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * log.h - the agent's diagnostics (never data: no payload, no identifiers).
 *
 * Error convention for the whole agent: functions return 0 or a negative
 * errno, and log where the error is handled, not at every level.
 */
#ifndef EW_LOG_H
#define EW_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum ew_log_level { EW_LOG_ERR = 3, EW_LOG_WARN = 4, EW_LOG_INFO = 6, EW_LOG_DEBUG = 7 };

void ew_log_set_level(enum ew_log_level level);
/* Also send diagnostics to syslog(3) (daemon facility) as well as stderr. */
void ew_log_use_syslog(bool on);
void ew_log(enum ew_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/**
 * ew_seterr() - a message for the caller's @err buffer of @errlen bytes
 * (functions that return -errno and say why there); @err may be NULL.
 */
void ew_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ew_err(...)   ew_log(EW_LOG_ERR, __VA_ARGS__)
#define ew_warn(...)  ew_log(EW_LOG_WARN, __VA_ARGS__)
#define ew_info(...)  ew_log(EW_LOG_INFO, __VA_ARGS__)
#define ew_debug(...) ew_log(EW_LOG_DEBUG, __VA_ARGS__)

#endif
