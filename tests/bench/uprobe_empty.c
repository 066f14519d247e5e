// SPDX-License-Identifier: GPL-2.0-only
/* uprobe_empty --lib PATH --func NAME [--func NAME...] [--ret NAME...]:
 * attaches an empty uprobe to each --func (an empty uretprobe to each --ret)
 * of PATH for every process, prints "attached" and holds the probes until
 * SIGINT or SIGTERM. The floor for tls_overhead.sh. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "uprobe_empty.skel.h"

#define MAX_FUNCS 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"lib", 1, 0, 'l'},
						 {"func", 1, 0, 'f'},
						 {"ret", 1, 0, 'r'},
						 {"help", 0, 0, 'h'},
						 {0, 0, 0, 0}};
	struct bpf_link *links[MAX_FUNCS] = {0};
	const char *lib = NULL, *funcs[MAX_FUNCS];
	bool ret[MAX_FUNCS];
	struct uprobe_empty *skel;
	int nfuncs = 0, c, i, rc = 0;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'l') {
			lib = optarg;
		} else if ((c == 'f' || c == 'r') && nfuncs < MAX_FUNCS) {
			ret[nfuncs] = c == 'r';
			funcs[nfuncs++] = optarg;
		} else {
			fprintf(c == 'h' ? stdout : stderr,
				"Usage: uprobe_empty --lib PATH --func NAME [--func NAME...] "
				"[--ret NAME...]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!lib || !nfuncs) {
		fprintf(stderr, "uprobe_empty: needs --lib and a --func or --ret\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = uprobe_empty__open_and_load();
	if (!skel) {
		fprintf(stderr, "uprobe_empty: loading the program failed: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < nfuncs; i++) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = funcs[i], .retprobe = ret[i]);

		links[i] = bpf_program__attach_uprobe_opts(skel->progs.empty, -1, lib, 0, &opts);
		if (!links[i]) {
			fprintf(stderr, "uprobe_empty: attaching to %s in %s failed: %s\n",
				funcs[i], lib, strerror(errno));
			rc = 1;
			goto out;
		}
	}
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
out:
	for (i = 0; i < nfuncs; i++)
		bpf_link__destroy(links[i]);
	uprobe_empty__destroy(skel);
	return rc;
}
