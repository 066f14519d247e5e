// SPDX-License-Identifier: GPL-2.0-only
#include "content/inspector.h"

#include <errno.h>
#include <stdlib.h>

#include "content/scan.h"
#include "content/stream.h"
#include "content/subject.h"
#include "util/log.h"

struct ew_inspector {
	struct ew_stream_env env;
	struct ew_scanner *scanner;
	struct ew_subject_key key;
	ew_content_emit_fn emit;
	bool (*ready)(void *arg, uint64_t cookie);
	void *arg;
};

static void emit_hits(void *arg, const struct ew_ev_content_hits *ev)
{
	struct ew_inspector *in = arg;

	if (in->emit)
		in->emit(in->arg, ev, sizeof(*ev));
}

static bool flow_known(void *arg, uint64_t cookie)
{
	struct ew_inspector *in = arg;

	return !in->ready || in->ready(in->arg, cookie);
}

int ew_inspector_new(const struct ew_taxonomy *t, const char *key_path, size_t decoded_limit,
		     ew_content_emit_fn emit, bool (*ready)(void *arg, uint64_t cookie), void *arg,
		     struct ew_inspector **out)
{
	struct ew_inspector *in = calloc(1, sizeof(*in));
	char err[1024];
	int rc;

	if (!in)
		return -ENOMEM;
	if (ew_scanner_new(t, &in->scanner, err, sizeof(err))) {
		ew_err("%s", err);
		free(in);
		return -EINVAL;
	}
	rc = ew_subject_key_load(key_path, true, &in->key, err, sizeof(err));
	if (rc < 0) {
		ew_err("%s", err);
		ew_inspector_free(in);
		return -EINVAL;
	}
	/* The path only: the key never reaches a log. */
	if (rc == 1)
		ew_info("created the subject key %s (copy it to every host of this legal entity "
			"so that their counts of people merge)",
			key_path);
	in->emit = emit;
	in->ready = ready;
	in->arg = arg;
	in->env = (struct ew_stream_env){
	    .scanner = in->scanner,
	    .taxonomy = t,
	    .key = &in->key,
	    .decoded_limit = decoded_limit,
	    .emit = emit_hits,
	    .ready = flow_known,
	    .arg = in,
	};
	*out = in;
	return 0;
}

static void *sink_open(void *ctx, uint64_t cookie, uint8_t dir)
{
	struct ew_inspector *in = ctx;

	return ew_stream_open(&in->env, cookie, dir);
}

/* No memory for the stream's state: it was not inspected, said as a limit. */
static int sink_feed(void *ctx, void *st, const uint8_t *p, size_t n, uint64_t ts)
{
	(void)ctx;
	return st ? ew_stream_feed(st, p, n, ts) : -EW_REASON_DECODE_LIMIT;
}

static void sink_close(void *ctx, void *st, uint64_t cookie, uint8_t dir, uint64_t ts)
{
	(void)ctx;
	(void)cookie;
	(void)dir;
	ew_stream_close(st, ts);
}

static void sink_poll(void *ctx, void *st)
{
	(void)ctx;
	ew_stream_poll(st);
}

const struct ew_content_sink_ops ew_inspector_sink = {
    .open = sink_open,
    .feed = sink_feed,
    .close = sink_close,
    .poll = sink_poll,
};

size_t ew_inspector_stream_size(const struct ew_inspector *in)
{
	return ew_stream_size(&in->env);
}

void ew_inspector_detach(struct ew_inspector *in)
{
	if (in)
		in->emit = NULL;
}

void ew_inspector_free(struct ew_inspector *in)
{
	if (!in)
		return;
	ew_subject_key_free(&in->key);
	ew_scanner_free(in->scanner);
	free(in);
}
