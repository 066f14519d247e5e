/* SPDX-License-Identifier: GPL-2.0-only */
/* tls_peer: TLS test server and clients for the TLS plaintext tests and
 * benchmarks (see tls_peer --help). */
#ifndef TLS_PEER_H
#define TLS_PEER_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

struct tp_opts {
	const char *cert, *key, *addr, *host, *body, *body_dir, *wait_file, *save_dir, *sni;
	int port;
	long requests, threads, conns, count, seconds;
	size_t chunk, size, body_size;
	long pause_ms;
	int cpu;
	int use_write_ex;
	int exit_after_write;
	int close_after;
};

/* tls_peer.c */
void tp_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void tp_ssl_die(const char *what) __attribute__((noreturn));
double tp_now(void);
void tp_pin(int cpu);
int tp_tcp_connect(const char *host, int port, int *local_port);
SSL *tp_tls_connect(SSL_CTX *ctx, const struct tp_opts *o, int *local_port);
SSL_CTX *tp_client_ctx(void);
void tp_tls_close(SSL *ssl);
int tp_write_all(SSL *ssl, const void *buf, size_t len, size_t chunk, int use_ex);
int tp_read_response(SSL *ssl, int *status);
char *tp_read_file(const char *path, size_t *len);

/* tls_peer_serve.c */
int tp_serve(const struct tp_opts *o);

/* tls_peer_client.c */
int tp_post(const struct tp_opts *o);
int tp_flood(const struct tp_opts *o);
int tp_bench(const struct tp_opts *o);
int tp_writes(const struct tp_opts *o);

#endif
