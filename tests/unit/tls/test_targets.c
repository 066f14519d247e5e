// SPDX-License-Identifier: GPL-2.0-only
/*
 * The registry on this machine: its system libraries, a running program
 * with OpenSSL linked in statically (EW_TLS_STATIC, built by meson), a
 * program without TLS, a fake Go binary.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pipeline/metrics.h"
#include "tls/targets.h"
#include "util/jsonw.h"

static const struct ew_tls_target *find(const struct ew_tls_targets *r, const char *library)
{
	for (int i = 0; i < ew_tls_targets_count(r); i++)
		if (!strcmp(ew_tls_targets_get(r, i)->library, library))
			return ew_tls_targets_get(r, i);
	return NULL;
}

static int refuse(void *ctx, const struct ew_tls_target *t, char *why, size_t len)
{
	int *calls = ctx;

	(*calls)++;
	snprintf(why, len, "refused %s", t->family);
	return -EPERM;
}

Test(targets, system_libraries)
{
	struct ew_tls_targets *r;
	const struct ew_tls_target *t;
	struct ew_tls_stats s;

	cr_assert_eq(ew_tls_targets_new(NULL, NULL, &r), 0);
	ew_tls_targets_scan_system(r);
	t = find(r, "openssl-3.0");
	cr_assert_not_null(t);
	cr_assert_eq(t->result, EW_TLS_HOOKED);
	cr_assert_not(t->is_static);
	cr_assert_eq(t->n_syms, 3, "SSL_write(_ex), SSL_read(_ex), SSL_free");
	cr_assert_eq(strlen(t->build_id), 40);
	cr_assert_not_null(strstr(t->path, "libssl.so.3"), "%s", t->path);
	cr_assert_not_null(find(r, "gnutls-3.7"));
	cr_assert_not_null(find(r, "nss-4"));
	/* libssl.so, libssl.so.3 and /lib's copy of the same: one inode, one entry. */
	for (int i = 0; i < ew_tls_targets_count(r); i++)
		for (int j = 0; j < i; j++)
			cr_assert(ew_tls_targets_get(r, i)->ino != ew_tls_targets_get(r, j)->ino ||
				  ew_tls_targets_get(r, i)->dev != ew_tls_targets_get(r, j)->dev);
	s = ew_tls_targets_stats(r);
	ew_tls_targets_scan_system(r);
	cr_assert_eq(ew_tls_targets_stats(r).examined, s.examined, "a second scan opens nothing");
	ew_tls_targets_free(r);
}

Test(targets, a_refused_attach_keeps_its_reason)
{
	struct ew_tls_targets *r;
	const struct ew_tls_target *t;
	int calls = 0;

	cr_assert_eq(ew_tls_targets_new(refuse, &calls, &r), 0);
	ew_tls_targets_scan_system(r);
	t = find(r, "openssl-3.0");
	cr_assert_not_null(t);
	cr_assert_eq(t->result, EW_TLS_FAILED);
	cr_assert_str_eq(t->why, "refused openssl");
	cr_assert_eq(calls, ew_tls_targets_count(r));
	ew_tls_targets_free(r);
}

static pid_t start(const char *prog, int *in)
{
	char real[PATH_MAX];
	int p[2];
	pid_t pid;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		dup2(p[0], 0);
		close(p[1]);
		execl(prog, prog, "1000", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	*in = p[1];
	/* Started once it runs @prog (not the test's fork) and the loader has mapped libc. */
	cr_assert_not_null(realpath(prog, real));
	for (int i = 0; i < 500; i++) {
		char maps[64], link[PATH_MAX], buf[16384];
		ssize_t l;
		size_t n = 0;
		FILE *f;

		snprintf(maps, sizeof(maps), "/proc/%d/exe", pid);
		l = readlink(maps, link, sizeof(link) - 1);
		link[l > 0 ? l : 0] = '\0';
		snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
		f = strcmp(link, real) ? NULL : fopen(maps, "r");
		if (f) {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = '\0';
			if (strstr(buf, "libc.so"))
				return pid;
		}
		usleep(10000);
	}
	cr_assert_fail("%s did not start", prog);
	return -1;
}

static void stop(pid_t pid, int in)
{
	close(in);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

Test(targets, static_openssl_in_a_running_program)
{
	const char *prog = getenv("EW_TLS_STATIC");
	struct ew_tls_targets *r;
	const struct ew_tls_target *t;
	struct ew_tls_stats s;
	int in, n;
	pid_t pid;

	cr_assert_not_null(prog, "EW_TLS_STATIC is set by meson");
	pid = start(prog, &in);
	cr_assert_eq(ew_tls_targets_new(NULL, NULL, &r), 0);
	n = ew_tls_targets_scan_pid(r, pid);
	cr_assert_gt(n, 1, "the program and libc at least");
	t = find(r, "openssl-3.0");
	cr_assert_not_null(t, "a program with libssl.a linked in");
	cr_assert(t->is_static);
	cr_assert_eq(t->result, EW_TLS_HOOKED);
	cr_assert_str_eq(t->family, "openssl");
	cr_assert_eq(t->n_syms, 3, "SSL_write(_ex), SSL_read(_ex), SSL_free: %d", t->n_syms);
	cr_assert_eq(t->pid, pid);
	cr_assert_not_null(strstr(t->path, "/root/"), "%s", t->path);
	cr_assert_eq(ew_tls_targets_count(r), 1, "libc and the loader are not TLS");

	/* The same process again: every mapping seen, nothing opened. */
	s = ew_tls_targets_stats(r);
	cr_assert_eq(ew_tls_targets_scan_pid(r, pid), 0);
	cr_assert_eq(ew_tls_targets_stats(r).examined, s.examined);
	cr_assert_gt(ew_tls_targets_stats(r).seen, s.seen);
	cr_assert_eq(ew_tls_targets_stats(r).scans, s.scans + 1);
	stop(pid, in);
	/* Gone: an error code, no crash, no count. */
	cr_assert_lt(ew_tls_targets_scan_pid(r, pid), 0);
	cr_assert_eq(ew_tls_targets_count(r), 1);
	ew_tls_targets_free(r);
}

Test(targets, a_program_without_tls_gives_nothing)
{
	struct ew_tls_targets *r;
	int in;
	pid_t pid = start("/bin/sleep", &in);

	cr_assert_eq(ew_tls_targets_new(NULL, NULL, &r), 0);
	cr_assert_gt(ew_tls_targets_scan_pid(r, pid), 0);
	cr_assert_eq(ew_tls_targets_count(r), 0);
	cr_assert_gt(ew_tls_targets_stats(r).examined, 0);
	stop(pid, in);
	ew_tls_targets_free(r);
}

Test(targets, go_is_unsupported_and_metrics_count_by_library)
{
	char dir[] = "/tmp/ew-tls-XXXXXX", cmd[512], path[600];
	struct ew_tls_targets *r;
	const struct ew_tls_target *t;
	struct ew_metrics *m;
	struct ew_jsonw w;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "printf '\\377 Go buildinf:' > %s/bi && objcopy --add-section .go.buildinfo=%s/bi "
		 "/bin/true %s/gobin",
		 dir, dir, dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/gobin", dir);
	cr_assert_eq(ew_tls_targets_new(NULL, NULL, &r), 0);
	cr_assert_eq(ew_tls_targets_scan_file(r, path), 1);
	cr_assert_eq(ew_tls_targets_scan_file(r, path), 0, "seen");
	cr_assert_eq(ew_tls_targets_scan_file(r, "/bin/true"), 1);
	t = find(r, "go");
	cr_assert_not_null(t);
	cr_assert_eq(t->result, EW_TLS_UNSUPPORTED);
	cr_assert_str_eq(t->family, "go");
	cr_assert_not_null(strstr(t->why, "crypto/tls"));
	cr_assert_eq(ew_tls_targets_count(r), 1, "/bin/true is not counted");
	ew_tls_targets_scan_system(r);

	m = ew_metrics_new();
	ew_tls_targets_metrics(r, m);
	cr_assert_eq(ew_metrics_get(m, "tls_targets_total", "go", "unsupported"), 1);
	cr_assert_geq(ew_metrics_get(m, "tls_targets_total", "openssl-3.0", "hooked"), 1);
	cr_assert_eq(ew_metrics_sum(m, "tls_targets_total"), (uint64_t)ew_tls_targets_count(r));
	ew_jsonw_init(&w);
	ew_jsonw_obj_begin(&w, NULL);
	ew_metrics_json(m, NULL, &w);
	ew_jsonw_obj_end(&w);
	cr_assert_not(w.oom);
	/* A fact of the live host: metrics.prom has it, metric records (replayed) do not. */
	cr_assert_null(strstr(w.buf, "tls_targets_total"), "%.*s", (int)w.len, w.buf);
	ew_jsonw_free(&w);
	ew_metrics_free(m);
	ew_tls_targets_free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* A copy of libssl.so.3 (another inode, the same build id): its own entry, the symbols reused. */
Test(targets, a_copy_reuses_symbols_by_build_id)
{
	char dir[] = "/tmp/ew-tls-XXXXXX", cmd[5000], path[600];
	const struct ew_tls_target *orig, *copy;
	struct ew_tls_targets *r;

	cr_assert_eq(ew_tls_targets_new(NULL, NULL, &r), 0);
	ew_tls_targets_scan_system(r);
	orig = find(r, "openssl-3.0");
	cr_assert_not_null(orig);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/libssl.so.3", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", orig->path, path);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(ew_tls_targets_stats(r).reused, 0);
	cr_assert_eq(ew_tls_targets_scan_file(r, path), 1);
	cr_assert_eq(ew_tls_targets_stats(r).reused, 1);
	copy = ew_tls_targets_get(r, ew_tls_targets_count(r) - 1);
	cr_assert_str_eq(copy->path, path);
	cr_assert_neq(copy->ino, orig->ino);
	cr_assert_str_eq(copy->build_id, orig->build_id);
	cr_assert_str_eq(copy->library, "openssl-3.0");
	cr_assert_not(copy->is_static);
	cr_assert_eq(copy->n_syms, orig->n_syms);
	for (int i = 0; i < copy->n_syms; i++)
		cr_assert_eq(copy->syms[i].offset, orig->syms[i].offset);
	ew_tls_targets_free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}
