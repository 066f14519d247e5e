// SPDX-License-Identifier: GPL-2.0-only
#include "out/print.h"

#include "out/record.h"
#include "util/timefmt.h"

static int init(struct ew_stage *s, const struct ew_stage_env *env)
{
	s->state = env->print; /* NULL: --print is off and record() is never asked */
	return 0;
}

static void record(struct ew_stage *s, const struct ew_flow *f, const struct ew_eval *e)
{
	static const char *const dirs[] = {"unknown", "egress", "ingress"};
	const struct ew_owner *o = &e->owner;
	FILE *out = s->state;
	char ts[48], lip[48], rip[48];

	if (!out)
		return;
	ew_timefmt_iso8601((int64_t)e->now_ns + e->realtime_offset_ns, ts, sizeof(ts));
	fprintf(out, "%s %-7s %s %s[%u] %s %s:%u %s %s:%u out=%llu in=%llu%s\n", ts + 11,
		dirs[f->dir], f->proto == EW_IPPROTO_TCP ? "tcp" : "udp", o->known ? o->comm : "?",
		o->known ? o->pid : 0, o->proc && o->proc->exe ? o->proc->exe : "",
		f->have_local ? ew_record_ip(f->local, lip, sizeof(lip)) : "*", f->local_port,
		f->dir == EW_DIR_INGRESS ? "<-" : "->", ew_record_ip(f->peer, rip, sizeof(rip)),
		f->peer_port, (unsigned long long)(f->bytes_out - f->rep_out),
		(unsigned long long)(f->bytes_in - f->rep_in),
		f->end == EW_END_NONE ? " (interim)" : "");
	fflush(out);
}

const struct ew_stage_def ew_print_stage = {
    .name = "print",
    .init = init,
    .record = record,
};
