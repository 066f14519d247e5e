// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch probe: which kernel hooks work here, and whether `run` can. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "kernel/probe.h"

static const char usage[] =
    "NAME\n"
    "    egresswatch probe - show which kernel hooks work on this host\n"
    "\n"
    "SYNOPSIS\n"
    "    egresswatch probe [--json]\n"
    "    egresswatch probe --help\n"
    "\n"
    "DESCRIPTION\n"
    "    Checks what `egresswatch run` needs and reports it: the kernel\n"
    "    version, kernel BTF (/sys/kernel/btf/vmlinux), the cgroup v2 mount,\n"
    "    bpffs and tracefs (neither is needed), and root privileges. Then it\n"
    "    loads each BPF program on its own, attaches it (cgroup programs to\n"
    "    the cgroup v2 root) and detaches it again, and prints one line per\n"
    "    hook: its status, what the agent uses it for and, when it does not\n"
    "    work, why.\n"
    "\n"
    "    Status is \"ok\", \"degraded\" (run starts without it and logs what\n"
    "    is missing) or \"MISSING\" (a required hook: run refuses to start).\n"
    "    The same checks decide what `run` loads, so this table is what `run`\n"
    "    would do. Nothing is left attached or mounted. Needs root to probe\n"
    "    hooks; without it only the host facts are shown.\n"
    "\n"
    "    Set EW_DEBUG=1 to see libbpf's messages and verifier logs.\n"
    "\n"
    "OPTIONS\n"
    "    --json\n"
    "        Print one JSON object instead of the table.\n"
    "    -h, --help\n"
    "        Print this text and exit.\n"
    "\n"
    "EXIT STATUS\n"
    "    0   `egresswatch run` can work on this host (possibly degraded).\n"
    "    1   it cannot: a required hook, root, BTF or bpf() is missing.\n"
    "    2   usage error.\n";

int ew_cmd_probe(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ew_probe_report r;
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EW_EXIT_OK;
		default:
			fputs("Try 'egresswatch probe --help'.\n", stderr);
			return EW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"egresswatch probe: unexpected argument \"%s\"\n"
			"Try 'egresswatch probe --help'.\n",
			argv[optind]);
		return EW_EXIT_USAGE;
	}
	if (ew_probe_run(&r)) {
		fputs("egresswatch probe: the checks could not run\n", stderr);
		return EW_EXIT_FAIL;
	}
	if (json)
		ew_probe_print_json(stdout, &r);
	else
		ew_probe_print(stdout, &r);
	return r.run_possible ? EW_EXIT_OK : EW_EXIT_FAIL;
}
