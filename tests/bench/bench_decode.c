// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_decode - throughput of the content stage's decoders, and the state
 * each holds per stream.
 *
 * Streams of 4 MiB, fed in 1,448-byte chunks (one TCP segment's payload),
 * timed on the thread's CPU clock, best of the rounds:
 *  - http_json: pipelined POSTs of telematics JSON (Content-Length), with
 *    \u escapes in it, through the JSON unescaper
 *  - http_gzip: the same bodies gzip-coded and chunked
 *  - gbt32960: real-time uploads with five position units each
 *  - jtt808: 0x0200 location reports, escapes included
 * MB/s are of input bytes. The last line printed starts with "RESULT ".
 *
 *   bench_decode [-r ROUNDS] [-c CPU]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "content/gbt32960.h"
#include "content/http_req.h"
#include "content/jtt808.h"
#include "pin.h"

#define STREAM (4u << 20)
#define SEG    1448

static uint64_t sink_bytes, sink_events;

static void on_request(void *arg, const struct ew_http_req_info *r)
{
	sink_events++;
}

static void on_body(void *arg, const uint8_t *p, size_t n)
{
	sink_bytes += n;
}

static void on_pos(void *arg, int32_t lat, int32_t lon, bool fixed)
{
	sink_events++;
}

static const struct ew_http_req_ops http_ops = {on_request, on_body, NULL};
static const struct ew_gbt32960_ops gbt_ops = {NULL, on_pos};
static const struct ew_jtt808_ops jtt_ops = {NULL, on_pos};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t json_body(char *out, int i)
{
	return (size_t)sprintf(
	    out,
	    "{\"vin\":\"LSVAU218XN2183294\",\"seq\":%d,\"points\":["
	    "{\"lat\":39.%06d,\"lon\":116.%06d},{\"lat\":39.%06d,\"lon\":116.%06d}],"
	    "\"plate\":\"\\u4eacA%05d\",\"note\":\"a\\/b\\n\"}",
	    i, 904211 + i, 407395 + i, 905211 + i, 408395 + i, i % 100000);
}

static size_t build_http(uint8_t *buf, int gz)
{
	size_t o = 0;
	char body[512];
	uint8_t z[1024];

	for (int i = 0; o + 2048 < STREAM; i++) {
		size_t n = json_body(body, i);

		if (!gz) {
			o += (size_t)sprintf(
			    (char *)buf + o,
			    "POST /v1/track HTTP/1.1\r\nHost: t.test\r\n"
			    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			    n);
			memcpy(buf + o, body, n);
			o += n;
			continue;
		}
		z_stream s = {0};

		deflateInit2(&s, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
		s.next_in = (Bytef *)body;
		s.avail_in = (uInt)n;
		s.next_out = z;
		s.avail_out = sizeof(z);
		deflate(&s, Z_FINISH);
		deflateEnd(&s);
		o += (size_t)sprintf((char *)buf + o,
				     "POST /v1/track HTTP/1.1\r\nHost: t.test\r\n"
				     "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
				     "Transfer-Encoding: chunked\r\n\r\n%lx\r\n",
				     s.total_out);
		memcpy(buf + o, z, s.total_out);
		o += s.total_out;
		memcpy(buf + o, "\r\n0\r\n\r\n", 7);
		o += 7;
	}
	return o;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t build_gbt(uint8_t *buf)
{
	size_t o = 0;

	for (int i = 0; o + 256 < STREAM; i++) {
		uint8_t *f = buf + o, x = 0;
		size_t d = 24;

		memcpy(f, "##\x02\xfeLSVAU218XN2183294\x01", 22);
		memcpy(f + d, "\x18\x05\x01\x08\x1e\x00", 6);
		d += 6;
		f[d++] = 0x01;
		memset(f + d, 0x11, 20);
		d += 20;
		for (int k = 0; k < 5; k++) {
			f[d++] = 0x05;
			f[d++] = 0;
			put32(f + d, 116407395u + (uint32_t)(i + k));
			put32(f + d + 4, 39904211u + (uint32_t)(i + k));
			d += 8;
		}
		f[22] = (uint8_t)((d - 24) >> 8);
		f[23] = (uint8_t)(d - 24);
		for (size_t k = 2; k < d; k++)
			x ^= f[k];
		f[d++] = x;
		o += d;
	}
	return o;
}

static size_t build_jtt(uint8_t *buf)
{
	size_t o = 0;

	for (int i = 0; o + 128 < STREAM; i++) {
		uint8_t raw[64], x = 0;
		size_t r = 0;

		memcpy(raw, "\x02\x00\x00\x1c\x01\x38\x00\x13\x80\x00", 10);
		raw[10] = (uint8_t)(i >> 8);
		raw[11] = (uint8_t)i;
		memset(raw + 12, 0, 28);
		put32(raw + 16, 2);
		put32(raw + 20, 39904211u + (uint32_t)i);
		put32(raw + 24, 116407395u + (uint32_t)i);
		r = 40;
		for (size_t k = 0; k < r; k++)
			x ^= raw[k];
		raw[r++] = x;
		buf[o++] = 0x7e;
		for (size_t k = 0; k < r; k++) {
			if (raw[k] == 0x7e || raw[k] == 0x7d) {
				buf[o++] = 0x7d;
				buf[o++] = raw[k] == 0x7e ? 2 : 1;
			} else {
				buf[o++] = raw[k];
			}
		}
		buf[o++] = 0x7e;
	}
	return o;
}

enum { HTTP, GBT, JTT };

static double one(int kind, const uint8_t *p, size_t n)
{
	double t0 = now();
	void *s = kind == HTTP	? (void *)ew_http_req_open(64u << 20, &http_ops, NULL)
		  : kind == GBT ? (void *)ew_gbt32960_open(&gbt_ops, NULL)
				: (void *)ew_jtt808_open(&jtt_ops, NULL);

	for (size_t i = 0; i < n; i += SEG) {
		size_t k = n - i < SEG ? n - i : SEG;

		if (kind == HTTP && ew_http_req_feed(s, p + i, k)) {
			fprintf(stderr, "bench_decode: http stopped\n");
			exit(1);
		} else if (kind == GBT) {
			ew_gbt32960_feed(s, p + i, k);
		} else if (kind == JTT) {
			ew_jtt808_feed(s, p + i, k);
		}
	}
	if (kind == HTTP)
		ew_http_req_close(s);
	else if (kind == GBT)
		ew_gbt32960_close(s);
	else
		ew_jtt808_close(s);
	return (double)n / (now() - t0) / 1e6;
}

static double best(int kind, const uint8_t *p, size_t n, int rounds)
{
	double b = 0;

	for (int r = 0; r < rounds; r++) {
		double v = one(kind, p, n);

		b = v > b ? v : b;
	}
	return b;
}

int main(int argc, char **argv)
{
	int rounds = 5, cpu = -1, c;
	uint8_t *buf = malloc(STREAM);
	double mbs[4];
	size_t n;

	while ((c = getopt(argc, argv, "r:c:")) != -1) {
		if (c == 'r')
			rounds = atoi(optarg);
		else if (c == 'c')
			cpu = atoi(optarg);
		else
			return 2;
	}
	if (!buf)
		return 1;
	bench_pin_cpu(cpu, "bench_decode");
	n = build_http(buf, 0);
	mbs[0] = best(HTTP, buf, n, rounds);
	n = build_http(buf, 1);
	mbs[1] = best(HTTP, buf, n, rounds);
	n = build_gbt(buf);
	mbs[2] = best(GBT, buf, n, rounds);
	n = build_jtt(buf);
	mbs[3] = best(JTT, buf, n, rounds);
	printf(
	    "state bytes per stream: http_req %zu (zlib bound incl.), gbt32960 %zu (frame buffer "
	    "max incl.), jtt808 %zu\n",
	    ew_http_req_state_size(), ew_gbt32960_state_size(), ew_jtt808_state_size());
	printf("RESULT http_json_mbs=%.0f http_gzip_chunked_mbs=%.0f gbt32960_mbs=%.0f "
	       "jtt808_mbs=%.0f events=%llu\n",
	       mbs[0], mbs[1], mbs[2], mbs[3], (unsigned long long)sink_events);
	free(buf);
	return 0;
}
