// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch: argv dispatch only; each subcommand lives in cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

static const char usage[] =
    "Usage: egresswatch COMMAND [OPTIONS]\n"
    "\n"
    "eBPF egress monitor: which process sends what to which place, as flow\n"
    "records for cross-border data compliance.\n"
    "\n"
    "Commands:\n"
    "  run       capture flows on this host (root)\n"
    "  replay    feed a capture file through the pipeline again\n"
    "  probe     show which kernel hooks work here and whether `run` can\n"
    "  geo       where an address is, and whether it is across the border\n"
    "  classify  which data categories files hold, as the agent would see them\n"
    "  check-policy  every error and warning in a policy file, with its JSON path\n"
    "  alerts    the alerts raised, as a table or JSON lines; -f follows\n"
    "\n"
    "`egresswatch COMMAND --help` describes each; man egresswatch(8) has the rest.\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"run", ew_cmd_run},	   {"replay", ew_cmd_replay},
	    {"probe", ew_cmd_probe},	   {"geo", ew_cmd_geo},
	    {"classify", ew_cmd_classify}, {"check-policy", ew_cmd_check_policy},
	    {"alerts", ew_cmd_alerts},
	};

	if (argc < 2) {
		fputs(usage, stderr);
		return EW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return EW_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("egresswatch " EW_VERSION);
		return EW_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "egresswatch: unknown command \"%s\"\n\n%s", argv[1], usage);
	return EW_EXIT_USAGE;
}
