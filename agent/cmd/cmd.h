/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cmd.h - the subcommands. Each returns the process exit status:
 * 0 success, 1 runtime failure, 2 usage or configuration error.
 */
#ifndef EW_CMD_H
#define EW_CMD_H

#include <errno.h>

#define EW_EXIT_OK    0
#define EW_EXIT_FAIL  1
#define EW_EXIT_USAGE 2

/** ew_cmd_exit_status() - the exit status for ew_inputs_load()'s -errno. */
static inline int ew_cmd_exit_status(int err)
{
	return err == -EIO ? EW_EXIT_FAIL : EW_EXIT_USAGE;
}

int ew_cmd_run(int argc, char **argv);
int ew_cmd_replay(int argc, char **argv);
int ew_cmd_probe(int argc, char **argv);
int ew_cmd_geo(int argc, char **argv);
int ew_cmd_classify(int argc, char **argv);
int ew_cmd_check_policy(int argc, char **argv);
int ew_cmd_alerts(int argc, char **argv);

#endif
