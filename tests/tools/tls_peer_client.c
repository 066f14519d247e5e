// SPDX-License-Identifier: GPL-2.0-only
/* tls_peer post, flood, bench and writes: the clients. */
#include "tls_peer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct worker {
	const struct tp_opts *o;
	SSL_CTX *ctx;
	pthread_t t;
	long index;
	char body_path[4096];
	char *body;
	size_t body_len;
	long todo, ok, failed;
	unsigned long long writes;
	double seconds;
};

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void wait_file(const char *path)
{
	struct stat st;

	while (stat(path, &st))
		sleep_ms(10);
}

static int post_one(struct worker *w, SSL *ssl, int last)
{
	const struct tp_opts *o = w->o;
	char hdr[512];
	int n, status;

	n = snprintf(hdr, sizeof(hdr),
		     "POST /upload HTTP/1.1\r\nHost: %s\r\nUser-Agent: tls_peer\r\n"
		     "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n%s\r\n",
		     o->host, w->body_len, last && o->close_after ? "Connection: close\r\n" : "");
	if (tp_write_all(ssl, hdr, (size_t)n, 0, o->use_write_ex) ||
	    tp_write_all(ssl, w->body, w->body_len, o->chunk, o->use_write_ex))
		return -1;
	if (o->exit_after_write)
		_exit(0); /* no read, no close_notify, no exit handlers */
	if (tp_read_response(ssl, &status) || status != 200)
		return -1;
	return 0;
}

static void *post_main(void *arg)
{
	struct worker *w = arg;
	const struct tp_opts *o = w->o;

	for (long j = 0; j < o->conns; j++) {
		int port;
		SSL *ssl = tp_tls_connect(w->ctx, o, &port);

		if (!ssl) {
			w->failed += o->requests;
			continue;
		}
		tp_out("{\"event\":\"conn\",\"thread\":%ld,\"conn\":%ld,\"local_port\":%d,"
		       "\"body\":\"%s\"}\n",
		       w->index, j, port, w->body_path);
		if (o->wait_file) {
			tp_out("handshaken %d\n", port);
			wait_file(o->wait_file);
		}
		if (o->pause_ms)
			sleep_ms(o->pause_ms);
		for (long i = 0; i < o->requests; i++) {
			if (post_one(w, ssl, i == o->requests - 1)) {
				w->failed += o->requests - i;
				break;
			}
			w->ok++;
		}
		tp_tls_close(ssl);
	}
	return NULL;
}

static struct worker *workers(const struct tp_opts *o, long n, SSL_CTX *ctx)
{
	struct worker *w = calloc((size_t)n, sizeof(*w));

	if (!w)
		tp_die("out of memory");
	for (long i = 0; i < n; i++) {
		w[i].o = o;
		w[i].ctx = ctx;
		w[i].index = i;
	}
	return w;
}

static void run_all(struct worker *w, long n, void *(*fn)(void *))
{
	for (long i = 0; i < n; i++)
		if (pthread_create(&w[i].t, NULL, fn, &w[i]))
			tp_die("pthread_create failed");
	for (long i = 0; i < n; i++)
		pthread_join(w[i].t, NULL);
}

int tp_post(const struct tp_opts *o)
{
	SSL_CTX *ctx = tp_client_ctx();
	struct worker *w = workers(o, o->threads, ctx);
	long ok = 0, failed = 0;

	for (long i = 0; i < o->threads; i++) {
		if (o->body_dir)
			snprintf(w[i].body_path, sizeof(w[i].body_path), "%s/%ld", o->body_dir, i);
		else
			snprintf(w[i].body_path, sizeof(w[i].body_path), "%s", o->body);
		w[i].body = tp_read_file(w[i].body_path, &w[i].body_len);
	}
	run_all(w, o->threads, post_main);
	for (long i = 0; i < o->threads; i++) {
		ok += w[i].ok;
		failed += w[i].failed;
	}
	tp_out("{\"event\":\"done\",\"ok\":%ld,\"failed\":%ld}\n", ok, failed);
	return failed ? 1 : 0;
}

static char *filler(size_t n)
{
	char *p = malloc(n ? n : 1);

	if (!p)
		tp_die("out of memory");
	memset(p, 'x', n); /* lower case: serve reads it as raw bytes */
	return p;
}

static void *flood_main(void *arg)
{
	struct worker *w = arg;
	const struct tp_opts *o = w->o;
	int port;
	SSL *ssl = tp_tls_connect(w->ctx, o, &port);
	double end;

	if (!ssl) {
		w->failed = 1;
		return NULL;
	}
	end = tp_now() + (double)o->seconds;
	while (tp_now() < end) {
		for (int k = 0; k < 64; k++) {
			if (tp_write_all(ssl, w->body, w->body_len, 0, o->use_write_ex)) {
				w->failed = 1;
				goto out;
			}
			w->writes++;
		}
	}
out:
	tp_tls_close(ssl);
	return NULL;
}

int tp_flood(const struct tp_opts *o)
{
	struct worker *w = workers(o, o->conns, tp_client_ctx());
	unsigned long long writes = 0;
	double t0 = tp_now(), dt;
	long failed = 0;

	for (long i = 0; i < o->conns; i++) {
		w[i].body = filler(o->size);
		w[i].body_len = o->size;
	}
	run_all(w, o->conns, flood_main);
	dt = tp_now() - t0;
	for (long i = 0; i < o->conns; i++) {
		writes += w[i].writes;
		failed += w[i].failed;
	}
	tp_out("RESULT writes=%llu seconds=%.3f writes_per_s=%.0f bytes_per_s=%.0f failed=%ld\n",
	       writes, dt, (double)writes / dt, (double)writes * (double)o->size / dt, failed);
	return failed ? 1 : 0;
}

static void *bench_main(void *arg)
{
	struct worker *w = arg;
	int port;
	SSL *ssl;

	if (w->index == 0)
		tp_pin(w->o->cpu);
	ssl = tp_tls_connect(w->ctx, w->o, &port);
	if (!ssl) {
		w->failed = w->todo;
		return NULL;
	}
	for (long i = 0; i < w->todo; i++) {
		if (post_one(w, ssl, 0)) {
			w->failed = w->todo - i;
			break;
		}
		w->ok++;
	}
	tp_tls_close(ssl);
	return NULL;
}

int tp_bench(const struct tp_opts *o)
{
	struct worker *w = workers(o, o->conns, tp_client_ctx());
	long ok = 0, failed = 0;
	double t0, dt;

	for (long i = 0; i < o->conns; i++) {
		w[i].body = filler(o->body_size);
		w[i].body_len = o->body_size;
		w[i].todo = o->requests / o->conns + (i < o->requests % o->conns);
	}
	t0 = tp_now();
	run_all(w, o->conns, bench_main);
	dt = tp_now() - t0;
	for (long i = 0; i < o->conns; i++) {
		ok += w[i].ok;
		failed += w[i].failed;
	}
	tp_out("RESULT requests=%ld seconds=%.3f requests_per_s=%.1f body_size=%zu failed=%ld\n",
	       ok, dt, (double)ok / dt, o->body_size, failed);
	return failed ? 1 : 0;
}

int tp_writes(const struct tp_opts *o)
{
	SSL_CTX *ctx = tp_client_ctx();
	char *buf = filler(o->size);
	int port;
	SSL *ssl;
	double t0, dt;

	tp_pin(o->cpu);
	ssl = tp_tls_connect(ctx, o, &port);
	if (!ssl)
		return 1;
	t0 = tp_now();
	for (long i = 0; i < o->count; i++)
		if (tp_write_all(ssl, buf, o->size, 0, o->use_write_ex))
			tp_die("write %ld of %ld failed", i, o->count);
	dt = tp_now() - t0;
	tp_tls_close(ssl);
	tp_out("RESULT writes=%ld size=%zu seconds=%.3f ns_per_write=%.1f\n", o->count, o->size, dt,
	       dt * 1e9 / (double)o->count);
	return 0;
}
