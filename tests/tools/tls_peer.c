// SPDX-License-Identifier: GPL-2.0-only
/* tls_peer: one program for the TLS tests and benchmarks. The modes are in
 * usage() below; this file holds the options and what the modes share. */
#include "tls_peer.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "Usage: tls_peer MODE [OPTIONS]\n"
    "\n"
    "  serve --cert C --key K --port P [--addr A] [--save-dir DIR] [--cpu N]\n"
    "      TLS server, a thread per connection. Reads HTTP/1.1 requests with\n"
    "      Content-Length bodies on keep-alive connections and answers each\n"
    "      'HTTP/1.1 200 OK' with body 'ok' (closes after answering a request\n"
    "      with 'Connection: close'); a connection whose first bytes are not an\n"
    "      HTTP request is read as raw bytes until the peer closes. Prints\n"
    "      'ready' once listening, then a JSON line per closed connection:\n"
    "      {\"event\":\"closed\",\"peer_port\":N,\"bytes\":N,\"requests\":N,\n"
    "       \"body_bytes\":N,\"raw\":0|1}. With --save-dir the bodies (or raw\n"
    "      bytes) of each connection go to DIR/<peer_port>.body.\n"
    "\n"
    "  post --host H --port P (--body FILE | --body-dir DIR) [--requests N]\n"
    "       [--threads T] [--conns-per-thread C] [--api write|write_ex]\n"
    "       [--pause-before-write MS] [--wait-file PATH] [--exit-after-write]\n"
    "       [--chunk BYTES] [--sni NAME] [--close]\n"
    "      POSTs the body N times (default 1) on each keep-alive connection;\n"
    "      T threads (default 1) each open C connections (default 1), one\n"
    "      after another, all threads at once. With --body-dir thread i sends\n"
    "      DIR/i (i from 0). After each handshake prints a JSON line\n"
    "      {\"event\":\"conn\",\"thread\":i,\"conn\":j,\"local_port\":N,\"body\":PATH};\n"
    "      with --wait-file also 'handshaken <port>', then waits until PATH\n"
    "      exists before the first write (--pause-before-write sleeps MS\n"
    "      instead/as well). The header goes in one write, the body in writes\n"
    "      of --chunk bytes (default: one write). --exit-after-write: _exit(0)\n"
    "      right after the first request's write, no read, no TLS close.\n"
    "      --close sends 'Connection: close' on the last request. Ends with\n"
    "      {\"event\":\"done\",\"ok\":N,\"failed\":N}; exit 1 if any failed.\n"
    "\n"
    "  flood --host H --port P --seconds S --size B [--conns C] [--api ...]\n"
    "      As many writes of B bytes as possible for S seconds on C connections\n"
    "      (a thread each). Prints 'RESULT writes=N writes_per_s=X bytes_per_s=X'.\n"
    "\n"
    "  bench --host H --port P --body-size B --requests N [--conns C] [--cpu N]\n"
    "      N HTTPS POSTs with B-byte bodies over C keep-alive connections (a\n"
    "      thread each), answers read. Prints 'RESULT requests=N seconds=X\n"
    "      requests_per_s=X'.\n"
    "\n"
    "  writes --host H --port P --size B --count N [--api ...] [--cpu N]\n"
    "      N writes of B bytes on one connection to a server that reads and\n"
    "      discards (serve does). Prints 'RESULT writes=N ns_per_write=X'.\n"
    "\n"
    "Clients never verify the server's certificate. --api write (SSL_write,\n"
    "the default) or write_ex (SSL_write_ex). --cpu pins the calling thread.\n";

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void tp_out(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

void tp_die(const char *fmt, ...)
{
	va_list ap;

	fputs("tls_peer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void tp_ssl_die(const char *what)
{
	fprintf(stderr, "tls_peer: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

double tp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tp_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("tls_peer: sched_setaffinity");
}

int tp_tcp_connect(const char *host, int port, int *local_port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char serv[16];
	int fd = -1, one = 1;

	snprintf(serv, sizeof(serv), "%d", port);
	if (getaddrinfo(host, serv, &hints, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM, 0);
		if (fd < 0)
			continue;
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*local_port = 0;
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl))
		*local_port =
		    ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						   : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

SSL_CTX *tp_client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		tp_ssl_die("SSL_CTX_new");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

SSL *tp_tls_connect(SSL_CTX *ctx, const struct tp_opts *o, int *local_port)
{
	int fd = tp_tcp_connect(o->host, o->port, local_port);
	SSL *ssl;

	if (fd < 0) {
		perror("tls_peer: connect");
		return NULL;
	}
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd))
		tp_ssl_die("SSL_new");
	SSL_set_tlsext_host_name(ssl, (char *)(o->sni ? o->sni : o->host));
	if (SSL_connect(ssl) != 1) {
		fprintf(stderr, "tls_peer: TLS handshake with %s:%d failed\n", o->host, o->port);
		ERR_print_errors_fp(stderr);
		SSL_free(ssl);
		close(fd);
		return NULL;
	}
	return ssl;
}

/* Ends the connection without losing what the server has yet to read: a
 * close() with unread bytes (a TLS 1.3 session ticket nobody read) would
 * send a reset, and the server's kernel would drop what it still holds. */
void tp_tls_close(SSL *ssl)
{
	struct timeval tv = {.tv_sec = 5};
	int fd = SSL_get_fd(ssl);
	char buf[4096];

	SSL_shutdown(ssl);
	shutdown(fd, SHUT_WR);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	close(fd);
	SSL_free(ssl);
}

/* Writes LEN bytes in calls of at most CHUNK bytes (0: one call). */
int tp_write_all(SSL *ssl, const void *buf, size_t len, size_t chunk, int use_ex)
{
	const char *p = buf;

	while (len) {
		size_t n = chunk && chunk < len ? chunk : len, done = 0;
		int r;

		if (use_ex) {
			r = SSL_write_ex(ssl, p, n, &done);
			if (r != 1)
				return -1;
		} else {
			r = SSL_write(ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);
			if (r <= 0)
				return -1;
			done = (size_t)r;
		}
		p += done;
		len -= done;
	}
	return 0;
}

/* Reads one HTTP response (headers and Content-Length body); 0 or -1. */
int tp_read_response(SSL *ssl, int *status)
{
	char buf[8192];
	size_t have = 0;
	char *end = NULL;
	long clen = 0, body;
	int r;

	while (!end) {
		if (have == sizeof(buf) - 1)
			return -1;
		r = SSL_read(ssl, buf + have, (int)(sizeof(buf) - 1 - have));
		if (r <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = 0;
		end = strstr(buf, "\r\n\r\n");
	}
	*status = 0;
	sscanf(buf, "HTTP/%*d.%*d %d", status);
	for (char *h = strstr(buf, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n"))
		if (!strncasecmp(h + 2, "Content-Length:", 15))
			clen = strtol(h + 17, NULL, 10);
	body = (long)(have - (size_t)(end + 4 - buf));
	while (body < clen) {
		r = SSL_read(ssl, buf, (int)sizeof(buf));
		if (r <= 0)
			return -1;
		body += r;
	}
	return 0;
}

char *tp_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		tp_die("cannot open %s", path);
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		tp_die("cannot size %s", path);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		tp_die("cannot read %s", path);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

enum {
	O_CERT = 256,
	O_KEY,
	O_PORT,
	O_ADDR,
	O_HOST,
	O_BODY,
	O_BODY_DIR,
	O_REQUESTS,
	O_THREADS,
	O_CONNS,
	O_API,
	O_PAUSE,
	O_WAIT_FILE,
	O_EXIT_AFTER,
	O_CHUNK,
	O_SECONDS,
	O_SIZE,
	O_BODY_SIZE,
	O_COUNT,
	O_CPU,
	O_SAVE_DIR,
	O_SNI,
	O_CLOSE,
	O_HELP,
};

static const struct option longopts[] = {
    {"cert", 1, 0, O_CERT},
    {"key", 1, 0, O_KEY},
    {"port", 1, 0, O_PORT},
    {"addr", 1, 0, O_ADDR},
    {"host", 1, 0, O_HOST},
    {"body", 1, 0, O_BODY},
    {"body-dir", 1, 0, O_BODY_DIR},
    {"requests", 1, 0, O_REQUESTS},
    {"threads", 1, 0, O_THREADS},
    {"conns-per-thread", 1, 0, O_CONNS},
    {"conns", 1, 0, O_CONNS},
    {"api", 1, 0, O_API},
    {"pause-before-write", 1, 0, O_PAUSE},
    {"wait-file", 1, 0, O_WAIT_FILE},
    {"exit-after-write", 0, 0, O_EXIT_AFTER},
    {"chunk", 1, 0, O_CHUNK},
    {"seconds", 1, 0, O_SECONDS},
    {"size", 1, 0, O_SIZE},
    {"body-size", 1, 0, O_BODY_SIZE},
    {"count", 1, 0, O_COUNT},
    {"cpu", 1, 0, O_CPU},
    {"save-dir", 1, 0, O_SAVE_DIR},
    {"sni", 1, 0, O_SNI},
    {"close", 0, 0, O_CLOSE},
    {"help", 0, 0, O_HELP},
    {0, 0, 0, 0},
};

static long num(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == 0 || *end || v < 0)
		tp_die("--%s wants a number >= 0, not '%s'", what, s);
	return v;
}

static void need(const void *v, const char *mode, const char *what)
{
	if (!v)
		tp_die("%s needs %s (see --help)", mode, what);
}

int main(int argc, char **argv)
{
	struct tp_opts o = {.addr = "0.0.0.0", .requests = 1, .threads = 1, .conns = 1, .cpu = -1};
	const char *mode;
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case O_CERT:
			o.cert = optarg;
			break;
		case O_KEY:
			o.key = optarg;
			break;
		case O_PORT:
			o.port = (int)num(optarg, "port");
			break;
		case O_ADDR:
			o.addr = optarg;
			break;
		case O_HOST:
			o.host = optarg;
			break;
		case O_BODY:
			o.body = optarg;
			break;
		case O_BODY_DIR:
			o.body_dir = optarg;
			break;
		case O_REQUESTS:
			o.requests = num(optarg, "requests");
			break;
		case O_THREADS:
			o.threads = num(optarg, "threads");
			break;
		case O_CONNS:
			o.conns = num(optarg, "conns");
			break;
		case O_API:
			if (!strcmp(optarg, "write_ex"))
				o.use_write_ex = 1;
			else if (strcmp(optarg, "write"))
				tp_die("--api is write or write_ex");
			break;
		case O_PAUSE:
			o.pause_ms = num(optarg, "pause-before-write");
			break;
		case O_WAIT_FILE:
			o.wait_file = optarg;
			break;
		case O_EXIT_AFTER:
			o.exit_after_write = 1;
			break;
		case O_CHUNK:
			o.chunk = (size_t)num(optarg, "chunk");
			break;
		case O_SECONDS:
			o.seconds = num(optarg, "seconds");
			break;
		case O_SIZE:
			o.size = (size_t)num(optarg, "size");
			break;
		case O_BODY_SIZE:
			o.body_size = (size_t)num(optarg, "body-size");
			break;
		case O_COUNT:
			o.count = num(optarg, "count");
			break;
		case O_CPU:
			o.cpu = (int)num(optarg, "cpu");
			break;
		case O_SAVE_DIR:
			o.save_dir = optarg;
			break;
		case O_SNI:
			o.sni = optarg;
			break;
		case O_CLOSE:
			o.close_after = 1;
			break;
		case O_HELP:
			fputs(usage_text, stdout);
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc)
		tp_die("unexpected argument '%s'", argv[optind]);
	if (o.threads < 1 || o.conns < 1)
		tp_die("--threads and --conns must be at least 1");
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "serve")) {
		need(o.cert, mode, "--cert");
		need(o.key, mode, "--key");
		return tp_serve(&o);
	}
	need(o.host, mode, "--host");
	if (!o.port)
		tp_die("%s needs --port", mode);
	if (!strcmp(mode, "post")) {
		if (!o.body == !o.body_dir)
			tp_die("post needs --body FILE or --body-dir DIR");
		return tp_post(&o);
	}
	if (!strcmp(mode, "flood")) {
		if (!o.size || !o.seconds)
			tp_die("flood needs --seconds and --size");
		return tp_flood(&o);
	}
	if (!strcmp(mode, "bench")) {
		if (!o.requests)
			tp_die("bench needs --requests");
		return tp_bench(&o);
	}
	if (!strcmp(mode, "writes")) {
		if (!o.size || !o.count)
			tp_die("writes needs --size and --count");
		return tp_writes(&o);
	}
	tp_die("unknown mode '%s' (serve, post, flood, bench, writes; see --help)", mode);
}
