// SPDX-License-Identifier: GPL-2.0-only
#include "out/print.h"

#include "out/record.h"
#include "util/escape.h"
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
	char ts[48], lip[48], rip[48], comm[4 * EW_COMM_LEN], exe[4 * EW_PATH_LEN + 8];
	const char *tod; /* the time of day: what follows the date */

	if (!out)
		return;
	tod = ew_timefmt_iso8601((int64_t)e->now_ns + e->realtime_offset_ns, ts, sizeof(ts)) > 11
		  ? ts + 11
		  : "?";
	/* Any user names its processes and files: they reach a terminal here. */
	ew_escape_ctl(comm, sizeof(comm), o->known ? o->comm : "?");
	ew_escape_ctl(exe, sizeof(exe), o->proc && o->proc->exe ? o->proc->exe : "");
	fprintf(out, "%s %-7s %s %s[%u] %s %s:%u %s %s:%u out=%llu in=%llu%s\n", tod, dirs[f->dir],
		f->proto == EW_IPPROTO_TCP ? "tcp" : "udp", comm, o->known ? o->pid : 0, exe,
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
