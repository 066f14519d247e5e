// SPDX-License-Identifier: GPL-2.0-only
/*
 * stream.c - sniff, decode, recognise, count (stream.h).
 *
 * Matches are counted per category and sent on in batches: at most one
 * content_hits event per category per feed (a kernel chunk is up to 4 KiB),
 * more only when a batch fills its EW_HIT_SUBJECTS people. A trajectory is
 * a number of points, not one: its points are held as a count until there
 * are the taxonomy's min_points, then all of them go as matches at once.
 */
#include "content/stream.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "content/gbt32960.h"
#include "content/http_req.h"
#include "content/jtt808.h"
#include "content/magic.h"
#include "content/scan.h"
#include "content/subject.h"
#include "content/taxonomy.h"
#include "content/validate.h"

enum kind { K_UNKNOWN, K_RAW, K_HTTP, K_GBT32960, K_JTT808 };

/* Bytes a stream's start may wait for before it counts as raw: a JT/T 808
 * location report is about 40, a registration about 60. */
#define HEAD_MAX 256

/* A category's matches since its last event, and the people they named. */
struct pending {
	uint32_t matches;
	uint8_t n;
	uint64_t subjects[EW_HIT_SUBJECTS];
};

/* The categories the decoders name themselves, found once per stream. */
struct fixed {
	const struct ew_category *vin, *trajectory, *telemetry, *connected_ops, *source_code,
	    *test_scenario, *adas_model, *exterior_media, *cabin_media;
};

struct ew_stream {
	const struct ew_stream_env *env;
	uint64_t cookie;
	uint64_t ts;
	uint8_t dir;
	uint8_t kind;	 /* enum kind */
	int stopped;	 /* the negative reason it stopped, or 0 */
	bool body_start; /* the next body bytes are a body's first: look for magic */
	bool typed;	 /* this request's Content-Type named media or a model */
	bool held;	 /* hits wait for the flow to be known (ew_stream_poll()) */
	uint16_t head_n;
	uint8_t head[HEAD_MAX]; /* the first bytes, until they say what the stream is */
	uint32_t points;	/* trajectory points seen */
	struct fixed cat;
	struct ew_scan_stream *scan;
	struct ew_http_req *http;
	struct ew_gbt32960 *gbt;
	struct ew_jtt808 *jtt;
	int n_cats;
	struct pending pend[]; /* one per taxonomy category */
};

static void flush_one(struct ew_stream *s, int i)
{
	const struct ew_category *c = ew_taxonomy_get(s->env->taxonomy, i);
	struct pending *p = &s->pend[i];
	struct ew_ev_content_hits ev = {.h = {.type = EW_EV_CONTENT_HITS, .size = sizeof(ev)}};

	if (!p->matches && !p->n)
		return;
	ev.h.ts_ns = s->ts;
	ev.cookie = s->cookie;
	strncpy(ev.category, c->id, sizeof(ev.category) - 1);
	ev.matches = p->matches;
	ev.dir = s->dir;
	ev.via = EW_VIA_CONTENT;
	ev.cls = (uint8_t)c->cls;
	ev.n_subjects = p->n;
	memcpy(ev.subjects, p->subjects, sizeof(uint64_t) * p->n);
	s->env->emit(s->env->arg, &ev);
	memset(p, 0, sizeof(*p));
}

static void flush(struct ew_stream *s)
{
	for (int i = 0; i < s->n_cats; i++)
		flush_one(s, i);
}

/* One match of @c; @value (canonical) names a person when the category counts people. */
static void count(struct ew_stream *s, const struct ew_category *c, uint32_t matches,
		  const char *value, size_t n)
{
	int i = ew_taxonomy_index(s->env->taxonomy, c);
	struct pending *p;
	uint64_t h;

	if (i < 0)
		return;
	p = &s->pend[i];
	p->matches += matches;
	if (!value || !n || !c->subjects)
		return;
	if (s->env->show)
		s->env->show(s->env->arg, c->id, value, n);
	h = ew_subject_hash(s->env->key, c->id, value, n);
	for (int k = 0; k < p->n; k++)
		if (p->subjects[k] == h)
			return;
	if (p->n == EW_HIT_SUBJECTS)
		flush_one(s, i);
	p->subjects[p->n++] = h;
}

/* A point inside China's box; a trajectory once there are min_points of them. */
static void point(struct ew_stream *s)
{
	const struct ew_category *t = s->cat.trajectory;
	uint32_t min = t && t->min_points ? t->min_points : 5;

	if (!t)
		return;
	s->points++;
	if (s->points == min)
		count(s, t, min, NULL, 0);
	else if (s->points > min)
		count(s, t, 1, NULL, 0);
}

static void on_hit(void *arg, const struct ew_hit *h)
{
	struct ew_stream *s = arg;

	if (h->cat == s->cat.trajectory)
		point(s);
	else
		count(s, h->cat, 1, h->value, h->value_len);
}

static void scan(struct ew_stream *s, const uint8_t *p, size_t n)
{
	if (s->scan && n)
		ew_scan_feed(s->scan, p, n, on_hit, s);
}

/* Media and model files by their first bytes or their declared type. Return: one was. */
static bool media(struct ew_stream *s, const char *kind)
{
	if (!kind)
		return false;
	if (!strcmp(kind, "onnx") || !strcmp(kind, "pytorch") || !strcmp(kind, "tflite"))
		count(s, s->cat.adas_model, 1, NULL, 0);
	else if (!strcmp(kind, "audio"))
		count(s, s->cat.cabin_media, 1, NULL, 0);
	else if (strcmp(kind, "gzip") && strcmp(kind, "zip"))
		count(s, s->cat.exterior_media, 1, NULL, 0);
	else
		return false;
	return true;
}

/* ---- HTTP: what a request says of itself, and its decoded body. */

static void http_request(void *arg, const struct ew_http_req_info *r)
{
	struct ew_stream *s = arg;

	if (r->git_push)
		count(s, s->cat.source_code, 1, NULL, 0);
	if (r->s3_multipart)
		count(s, s->cat.test_scenario, 1, NULL, 0);
	s->typed = r->content_type && media(s, ew_content_type_kind(r->content_type));
	/* Identifiers travel in query strings too. */
	if (r->target)
		scan(s, (const uint8_t *)r->target, strlen(r->target));
	s->body_start = true;
}

static void http_body(void *arg, const uint8_t *p, size_t n)
{
	struct ew_stream *s = arg;

	if (s->body_start && n) {
		s->body_start = false;
		/* A body declared as media was counted by its type: once a file. */
		if (!s->typed)
			media(s, ew_magic_kind(p, n));
	}
	scan(s, p, n);
}

static void http_end(void *arg)
{
	struct ew_stream *s = arg;

	/* A boundary between bodies: matches do not span requests. */
	s->body_start = false;
	scan(s, (const uint8_t *)"\n", 1);
}

static const struct ew_http_req_ops http_ops = {
    .request = http_request,
    .body = http_body,
    .end = http_end,
};

/* ---- Telematics frames: the VIN or terminal and the positions they carry. */

static void vehicle(struct ew_stream *s, const char *vin, size_t n)
{
	char canon[32];
	size_t len = ew_valid_vin((const uint8_t *)vin, n, canon, sizeof(canon));

	count(s, s->cat.telemetry, 1, len ? canon : NULL, len);
	if (len)
		count(s, s->cat.vin, 1, canon, len);
}

static void position(struct ew_stream *s, int32_t lat_e6, int32_t lon_e6)
{
	if (ew_valid_in_china(lat_e6 / 1e6, lon_e6 / 1e6))
		point(s);
}

static void gbt_frame(void *arg, uint8_t cmd, uint8_t ack, const uint8_t vin[17], uint8_t enc)
{
	struct ew_stream *s = arg;

	(void)ack;
	(void)enc;
	vehicle(s, (const char *)vin, 17);
	/* The platform's remote control of the vehicle. */
	if (cmd == 0x82)
		count(s, s->cat.connected_ops, 1, NULL, 0);
}

/* A position the device marked invalid is still a position that left. */
static void gbt_position(void *arg, int32_t lat_e6, int32_t lon_e6, bool fixed)
{
	(void)fixed;
	position(arg, lat_e6, lon_e6);
}

static const struct ew_gbt32960_ops gbt_ops = {.frame = gbt_frame, .position = gbt_position};

/* The terminal's number names the vehicle (and its SIM), not a caller: no mobile_number. */
static void jtt_frame(void *arg, uint16_t msg_id, const char *phone)
{
	struct ew_stream *s = arg;
	size_t n = strlen(phone);

	(void)msg_id;
	count(s, s->cat.telemetry, 1, n ? phone : NULL, n);
}

static const struct ew_jtt808_ops jtt_ops = {.frame = jtt_frame, .position = gbt_position};

/* Where the HTTP decoder stopped, as an inspection reason. */
static int http_reason(int err)
{
	return err == EW_HTTP_DECODE_LIMIT ? -EW_REASON_DECODE_LIMIT : -EW_REASON_DECODE_ERROR;
}

static void find_fixed(struct ew_stream *s)
{
	const struct ew_taxonomy *t = s->env->taxonomy;

	s->cat = (struct fixed){
	    .vin = ew_taxonomy_find(t, "vin"),
	    .trajectory = ew_taxonomy_find(t, "trajectory"),
	    .telemetry = ew_taxonomy_find(t, "vehicle_telemetry"),
	    .connected_ops = ew_taxonomy_find(t, "connected_ops"),
	    .source_code = ew_taxonomy_find(t, "source_code"),
	    .test_scenario = ew_taxonomy_find(t, "test_scenario"),
	    .adas_model = ew_taxonomy_find(t, "adas_model"),
	    .exterior_media = ew_taxonomy_find(t, "exterior_media"),
	    .cabin_media = ew_taxonomy_find(t, "cabin_media"),
	};
}

struct ew_stream *ew_stream_open(const struct ew_stream_env *env, uint64_t cookie, uint8_t dir)
{
	int n = ew_taxonomy_count(env->taxonomy);
	struct ew_stream *s = calloc(1, sizeof(*s) + (size_t)n * sizeof(struct pending));

	if (!s)
		return NULL;
	s->env = env;
	s->cookie = cookie;
	s->dir = dir;
	s->n_cats = n;
	find_fixed(s);
	s->scan = ew_scan_open(env->scanner);
	if (!s->scan) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * What the first bytes say the stream is: a decoder's kind, K_RAW, or
 * K_UNKNOWN while too few have come to tell (the engine hands over a TLS
 * record's length of bytes first; a JT/T 808 sniff wants a whole frame).
 */
static enum kind sniff(const uint8_t *p, size_t n, bool last)
{
	if (ew_http_req_sniff(p, n))
		return K_HTTP;
	if (ew_gbt32960_sniff(p, n))
		return K_GBT32960;
	if (ew_jtt808_sniff(p, n))
		return K_JTT808;
	if (last || n >= HEAD_MAX)
		return K_RAW;
	/* Only a method's capitals, a 32960 "##" or an 808 flag can still become one. */
	return (p[0] >= 'A' && p[0] <= 'Z') || p[0] == '#' || p[0] == 0x7e ? K_UNKNOWN : K_RAW;
}

static int start(struct ew_stream *s, enum kind k)
{
	s->kind = (uint8_t)k;
	switch (k) {
	case K_HTTP:
		s->http = ew_http_req_open(s->env->decoded_limit, &http_ops, s);
		break;
	case K_GBT32960:
		s->gbt = ew_gbt32960_open(&gbt_ops, s);
		break;
	case K_JTT808:
		s->jtt = ew_jtt808_open(&jtt_ops, s);
		break;
	default:
		media(s, ew_magic_kind(s->head, s->head_n));
		return 0;
	}
	/* No memory for a decoder: this stream goes uninspected, said as a limit. */
	return s->http || s->gbt || s->jtt ? 0 : -EW_REASON_DECODE_LIMIT;
}

static int decode(struct ew_stream *s, const uint8_t *p, size_t n)
{
	int rc;

	switch (s->kind) {
	case K_HTTP:
		rc = ew_http_req_feed(s->http, p, n);
		return rc < 0 ? http_reason(rc) : 0;
	case K_GBT32960:
		/* Frames are binary: their VIN and positions come from the parser. */
		ew_gbt32960_feed(s->gbt, p, n);
		return 0;
	case K_JTT808:
		ew_jtt808_feed(s->jtt, p, n);
		return 0;
	default:
		scan(s, p, n);
		return 0;
	}
}

/* The first bytes wait in head until they say what the stream is; then they go first. */
static int take(struct ew_stream *s, const uint8_t *p, size_t n, bool last)
{
	size_t room = (size_t)HEAD_MAX - s->head_n, k = n < room ? n : room;
	enum kind kind;
	int rc;

	if (k)
		memcpy(s->head + s->head_n, p, k);
	s->head_n += (uint16_t)k;
	kind = s->head_n ? sniff(s->head, s->head_n, last) : K_UNKNOWN;
	if (kind == K_UNKNOWN)
		return 0;
	rc = start(s, kind);
	if (!rc)
		rc = decode(s, s->head, s->head_n);
	if (!rc && n > k)
		rc = decode(s, p + k, n - k);
	return rc;
}

int ew_stream_feed(struct ew_stream *s, const uint8_t *p, size_t n, uint64_t ts)
{
	int rc;

	if (s->stopped || !n)
		return s->stopped;
	s->ts = ts;
	rc = s->kind == K_UNKNOWN ? take(s, p, n, false) : decode(s, p, n);
	if (!s->env->ready || s->env->ready(s->env->arg, s->cookie)) {
		flush(s);
		s->held = false;
	} else {
		s->held = true;
	}
	s->stopped = rc;
	return rc;
}

void ew_stream_poll(struct ew_stream *s)
{
	if (s && s->held && s->env->ready(s->env->arg, s->cookie)) {
		flush(s);
		s->held = false;
	}
}

void ew_stream_close(struct ew_stream *s, uint64_t ts)
{
	if (!s)
		return;
	s->ts = ts;
	/* A stream shorter than its sniff: what it is, from what came. */
	if (s->kind == K_UNKNOWN && !s->stopped && s->head_n)
		take(s, NULL, 0, true);
	if (s->scan)
		ew_scan_close(s->scan, on_hit, s);
	if (s->http)
		ew_http_req_close(s->http);
	if (s->gbt)
		ew_gbt32960_close(s->gbt);
	if (s->jtt)
		ew_jtt808_close(s->jtt);
	flush(s);
	free(s);
}

size_t ew_stream_size(const struct ew_stream_env *env)
{
	size_t dec = ew_http_req_state_size();

	if (ew_gbt32960_state_size() > dec)
		dec = ew_gbt32960_state_size();
	if (ew_jtt808_state_size() > dec)
		dec = ew_jtt808_state_size();
	return sizeof(struct ew_stream) +
	       (size_t)ew_taxonomy_count(env->taxonomy) * sizeof(struct pending) +
	       ew_scanner_stream_size(env->scanner) + dec;
}
