// SPDX-License-Identifier: GPL-2.0-only
/*
 * empty_hooks - attach the agent's per-connection hooks with empty programs
 * (empty_hooks.bpf.c) and hold them until SIGTERM or SIGINT: the floor any
 * program on those hooks pays, for hook_floor.sh.
 *
 *   empty_hooks OBJECT CGROUP2_DIR [FAMILY...]
 *
 * FAMILY: skb (cgroup_skb egress and ingress), state (inet_sock_set_state),
 * connect (cgroup connect4/6), send (sock_send_length and sock_recv_length);
 * none given: all of them. Prints "attached: ..." once they are all in place.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINKS 16

static const struct {
	const char *family, *prog;
} progs[] = {
    {"skb", "empty_egress"},	   {"skb", "empty_ingress"},	  {"state", "empty_state"},
    {"connect", "empty_connect4"}, {"connect", "empty_connect6"}, {"send", "empty_send"},
    {"send", "empty_recv"},
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int wanted(const char *family, int argc, char **argv)
{
	if (argc <= 3)
		return 1;
	for (int i = 3; i < argc; i++)
		if (!strcmp(argv[i], family))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	int n = 0, cg, rc = 1;

	if (argc < 3) {
		fprintf(stderr,
			"usage: empty_hooks OBJECT CGROUP2_DIR [skb|state|connect|send]...\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		int known = 0;

		for (size_t j = 0; j < sizeof(progs) / sizeof(progs[0]); j++)
			known |= !strcmp(argv[i], progs[j].family);
		if (!known) {
			fprintf(stderr,
				"empty_hooks: unknown family '%s' (skb, state, connect, send)\n",
				argv[i]);
			return 2;
		}
	}
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);

	if (!obj) {
		fprintf(stderr, "empty_hooks: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "empty_hooks: cannot load %s: %s\n", argv[1], strerror(errno));
		goto out;
	}
	cg = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		fprintf(stderr, "empty_hooks: cannot open cgroup %s: %s\n", argv[2],
			strerror(errno));
		goto out;
	}
	for (size_t j = 0; j < sizeof(progs) / sizeof(progs[0]); j++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, progs[j].prog);
		struct bpf_link *l;

		if (!wanted(progs[j].family, argc, argv))
			continue;
		if (!p) {
			fprintf(stderr, "empty_hooks: %s is not in %s\n", progs[j].prog, argv[1]);
			goto close_links;
		}
		l = strcmp(progs[j].family, "skb") && strcmp(progs[j].family, "connect")
			? bpf_program__attach(p)
			: bpf_program__attach_cgroup(p, cg);
		if (!l) {
			fprintf(stderr, "empty_hooks: cannot attach %s: %s\n", progs[j].prog,
				strerror(errno));
			goto close_links;
		}
		links[n++] = l;
	}
	/* Blocked until sigsuspend(), so a signal cannot slip in before the wait. */
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fprintf(stderr, "attached: %d programs\n", n);
	while (!stop)
		sigsuspend(&old);
	rc = 0;
close_links:
	while (n)
		bpf_link__destroy(links[--n]);
	close(cg);
out:
	bpf_object__close(obj);
	return rc;
}
