// SPDX-License-Identifier: GPL-2.0-only
/* egresswatch probe: which kernel hooks work here, whether `run` can, and the TLS libraries. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "kernel/enforce.h"
#include "kernel/probe.h"
#include "tls/report.h"
#include "tls/targets.h"

static const char usage[] =
    "NAME\n"
    "    egresswatch probe - show which kernel hooks and TLS libraries work on this host\n"
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
    "    A line \"enforcement:\" says whether workloads with \"enforce\": true\n"
    "    in the policy can have their connects refused here: the cgroup\n"
    "    connect hooks attach and an LPM trie map can be made (UDP sends\n"
    "    too when the sendmsg hooks attach).\n"
    "\n"
    "    Then a section \"TLS LIBRARIES\": every file whose TLS plaintext\n"
    "    can be captured with uprobes, found in the library directories\n"
    "    (the multiarch ones, /usr/lib64, /lib64, /usr/lib, /usr/local/lib:\n"
    "    libssl.so*, libgnutls.so*, libnspr4.so*) and in what every running\n"
    "    process maps (its executable too: OpenSSL linked in statically).\n"
    "    Each line gives the library and its version (\"openssl-3.0\",\n"
    "    \"gnutls-3.7\", \"nss-4\"), the result, and the file, with the process\n"
    "    it was found in; the functions found follow, and a reason when\n"
    "    there is one. Results: \"hookable\" (the functions are there),\n"
    "    \"no symbols\" (named like a TLS library but its functions are not\n"
    "    in it, e.g. stripped) and \"unsupported\" (a Go program: Go's\n"
    "    crypto/tls is not hooked, its plaintext is not captured). Nothing is\n"
    "    attached. Without root only the caller's own processes are read.\n"
    "\n"
    "    Set EW_DEBUG=1 to see libbpf's messages and verifier logs.\n"
    "\n"
    "OPTIONS\n"
    "    --json\n"
    "        Print one JSON object instead of the tables; the TLS section is\n"
    "        its members \"tls_libraries\" (an array of {library, family, file,\n"
    "        path, pid, static, result, why, build_id, functions}) and\n"
    "        \"go_crypto_tls\": \"unsupported\", and \"enforcement\":\n"
    "        {possible, detail}.\n"
    "    -h, --help\n"
    "        Print this text and exit.\n"
    "\n"
    "EXIT STATUS\n"
    "    0   `egresswatch run` can work on this host (possibly degraded).\n"
    "    1   it cannot: a required hook, root, BTF or bpf() is missing.\n"
    "    2   usage error.\n";

static bool hook_ok(const struct ew_probe_report *r, const char *name)
{
	for (int i = 0; i < r->n_items; i++)
		if (!strcmp(r->items[i].name, name))
			return r->items[i].ok;
	return false;
}

/*
 * Whether "enforce": true can work here: the connect hooks attach (a
 * refusal is their return value) and an LPM trie can be made. UDP sends
 * are refused too when the sendmsg hooks attach.
 */
static bool enforcement(const struct ew_probe_report *r, char *why, size_t len)
{
	bool udp = hook_ok(r, "cgroup/sendmsg4") && hook_ok(r, "cgroup/sendmsg6");

	if (!hook_ok(r, "cgroup/connect4") || !hook_ok(r, "cgroup/connect6")) {
		snprintf(why, len, "the cgroup connect hooks do not attach");
		return false;
	}
	if (!ew_enforce_usable(why, len))
		return false;
	snprintf(why, len,
		 "connects%s of \"enforce\": true workloads to addresses no channel covers are "
		 "refused (EPERM)%s",
		 udp ? " and UDP sends" : "", udp ? "" : "; UDP sends are not (no sendmsg hooks)");
	return true;
}

/* The hooks' JSON object with the TLS members added before its closing brace. */
static void print_json(const struct ew_probe_report *r, const struct ew_tls_targets *tls)
{
	char why[256];
	bool enf = enforcement(r, why, sizeof(why));

	struct ew_jsonw w;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	ew_probe_print_json(m, r);
	fclose(m);
	while (len && buf[len - 1] != '}')
		len--;
	ew_jsonw_init(&w);
	ew_jsonw_obj_begin(&w, NULL);
	ew_tls_report_json(&w, "tls_libraries", tls, false);
	ew_jsonw_str(&w, "go_crypto_tls", "unsupported");
	ew_jsonw_obj_begin(&w, "enforcement");
	ew_jsonw_bool(&w, "possible", enf);
	ew_jsonw_str(&w, "detail", why);
	ew_jsonw_obj_end(&w);
	ew_jsonw_obj_end(&w);
	if (len && !w.oom && w.len > 1) {
		fwrite(buf, 1, len - 1, stdout);
		fputc(',', stdout);
		fwrite(w.buf + 1, 1, w.len - 1, stdout);
		fputc('\n', stdout);
	}
	ew_jsonw_free(&w);
	free(buf);
}

int ew_cmd_probe(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ew_tls_targets *tls = NULL;
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
	/* Looking only: no attach callback, so nothing is hooked. */
	if (ew_tls_targets_new(NULL, NULL, &tls)) {
		fputs("egresswatch probe: out of memory\n", stderr);
		return EW_EXIT_FAIL;
	}
	ew_tls_targets_scan_system(tls);
	ew_tls_targets_scan_all(tls);
	if (json) {
		print_json(&r, tls);
	} else {
		char why[256];
		bool enf;

		ew_probe_print(stdout, &r);
		enf = enforcement(&r, why, sizeof(why));
		printf("enforcement: %s: %s\n\n", enf ? "possible" : "not possible", why);
		ew_tls_report_print(stdout, tls, false);
	}
	ew_tls_targets_free(tls);
	return r.run_possible ? EW_EXIT_OK : EW_EXIT_FAIL;
}
