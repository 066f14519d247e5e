// SPDX-License-Identifier: GPL-2.0-only
/* tls_peer serve: a TLS server, a thread per connection, that reads HTTP/1.1
 * requests (or raw bytes) and reports per connection what it received. */
#include "tls_peer.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR_MAX 65536

struct conn {
	SSL_CTX *ctx;
	const struct tp_opts *o;
	int fd, peer_port;
	SSL *ssl;
	char *buf;
	size_t have, cap;
	unsigned long long bytes, body_bytes, requests;
	FILE *save;
};

static const char ok_resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			      "Content-Length: 2\r\n\r\nok";
static const char ok_close[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			       "Content-Length: 2\r\nConnection: close\r\n\r\nok";

/* Reads more plaintext into the buffer; the number of bytes or <= 0 at end. */
static int fill(struct conn *c)
{
	int r;

	if (c->have == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16384;
		char *nb = realloc(c->buf, ncap + 1);

		if (!nb)
			return -1;
		c->buf = nb;
		c->cap = ncap;
	}
	r = SSL_read(c->ssl, c->buf + c->have, (int)(c->cap - c->have));
	if (r > 0) {
		c->have += (size_t)r;
		c->buf[c->have] = 0;
		c->bytes += (unsigned long long)r;
	}
	return r;
}

static void save(struct conn *c, const char *p, size_t n)
{
	if (c->save && n)
		fwrite(p, 1, n, c->save);
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->have - n);
	c->have -= n;
	c->buf[c->have] = 0;
}

/* An HTTP request starts with an upper-case method token and a space. */
static int looks_http(struct conn *c)
{
	size_t i;

	for (i = 0; i < c->have && i < 12; i++) {
		if (c->buf[i] == ' ')
			return i > 0 ? 1 : 0;
		if (c->buf[i] < 'A' || c->buf[i] > 'Z')
			return 0;
	}
	return i < 12 ? -1 : 0; /* -1: too few bytes to tell */
}

static const char *header(const char *hdrs, const char *end, const char *name)
{
	size_t n = strlen(name);

	for (const char *h = strstr(hdrs, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n"))
		if (!strncasecmp(h + 2, name, n) && h[2 + n] == ':')
			return h + 3 + n;
	return NULL;
}

/* One request: 1 to go on, 0 when the connection is to end. */
static int one_request(struct conn *c)
{
	char *end, *line_end;
	const char *v;
	size_t hdr_len;
	unsigned long long clen = 0;
	int close_after, r;

	while (!(end = strstr(c->buf, "\r\n\r\n"))) {
		if (c->have >= HDR_MAX || fill(c) <= 0)
			return 0;
	}
	hdr_len = (size_t)(end + 4 - c->buf);
	v = header(c->buf, end, "Content-Length");
	if (v)
		clen = strtoull(v, NULL, 10);
	v = header(c->buf, end, "Connection");
	line_end = strchr(c->buf, '\r');
	close_after = (v && !strncasecmp(v + strspn(v, " "), "close", 5)) ||
		      (line_end - c->buf >= 8 && !strncmp(line_end - 8, "HTTP/1.0", 8));
	v = header(c->buf, end, "Expect");
	if (v && !strncasecmp(v + strspn(v, " "), "100-continue", 12))
		SSL_write(c->ssl, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	consume(c, hdr_len);
	c->requests++;
	while (clen) {
		size_t n = c->have < clen ? c->have : (size_t)clen;

		save(c, c->buf, n);
		consume(c, n);
		c->body_bytes += n;
		clen -= n;
		if (clen && fill(c) <= 0)
			return 0;
	}
	r = close_after ? SSL_write(c->ssl, ok_close, sizeof(ok_close) - 1)
			: SSL_write(c->ssl, ok_resp, sizeof(ok_resp) - 1);
	return r > 0 && !close_after;
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	int http = -1;

	c->ssl = SSL_new(c->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) || SSL_accept(c->ssl) != 1) {
		tp_out("{\"event\":\"handshake_failed\",\"peer_port\":%d}\n", c->peer_port);
		goto out;
	}
	if (c->o->save_dir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%d.body", c->o->save_dir, c->peer_port);
		c->save = fopen(path, "wb");
	}
	while (http < 0 && fill(c) > 0)
		http = looks_http(c);
	if (http > 0) {
		while (one_request(c))
			;
	} else if (c->have) {
		do {
			c->body_bytes += c->have;
			save(c, c->buf, c->have);
			c->have = 0;
		} while (fill(c) > 0);
	}
	SSL_shutdown(c->ssl);
	if (c->save)
		fclose(c->save);
	c->save = NULL;
	tp_out("{\"event\":\"closed\",\"peer_port\":%d,\"bytes\":%llu,\"requests\":%llu,"
	       "\"body_bytes\":%llu,\"raw\":%d}\n",
	       c->peer_port, c->bytes, c->requests, c->body_bytes, http > 0 ? 0 : 1);
out:
	if (c->save)
		fclose(c->save);
	SSL_free(c->ssl);
	close(c->fd);
	free(c->buf);
	free(c);
	return NULL;
}

static int listen_on(const char *addr, int port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
	char serv[16];
	int fd, one = 1;

	snprintf(serv, sizeof(serv), "%d", port);
	if (getaddrinfo(addr, serv, &hints, &res))
		tp_die("cannot resolve %s", addr);
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		tp_die("socket failed");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 512))
		tp_die("cannot listen on %s port %d", addr, port);
	freeaddrinfo(res);
	return fd;
}

int tp_serve(const struct tp_opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	int lfd;

	if (!ctx)
		tp_ssl_die("SSL_CTX_new");
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1)
		tp_ssl_die("loading the certificate");
	if (SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1)
		tp_ssl_die("loading the key");
	tp_pin(o->cpu);
	lfd = listen_on(o->addr, o->port);
	tp_out("ready\n");
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept(lfd, (struct sockaddr *)&ss, &sl);
		struct conn *c;
		pthread_t t;

		if (fd < 0)
			continue;
		c = calloc(1, sizeof(*c));
		if (!c)
			tp_die("out of memory");
		c->ctx = ctx;
		c->o = o;
		c->fd = fd;
		c->peer_port =
		    ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						   : ((struct sockaddr_in *)&ss)->sin_port);
		if (pthread_create(&t, NULL, conn_main, c)) {
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}
