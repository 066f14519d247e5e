// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_alert_out - the alert encoders and sinks other than the file:
 * OCSF 4001 objects per second (ew_alert_ocsf), RFC 5424 messages formatted
 * per second (ew_syslog_format), and sent per second through the sink to a
 * unix datagram socket a second thread drains (what a syslogd on /dev/log
 * sees; drops with -EAGAIN counted). One core for the encoders.
 *
 *   bench_alert_out [-n ALERTS]     (default 1,000,000)
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "alert/ocsf.h"
#include "alert/syslog_sink.h"
#include "flow/flow.h"
#include "pin.h"
#include "pipeline/eval.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile int stop;
static long received;

static void *drain(void *arg)
{
	int fd = *(int *)arg;
	char buf[EW_SYSLOG_MAX];

	while (!stop)
		if (recv(fd, buf, sizeof(buf), 0) > 0)
			received++;
	return NULL;
}

int main(int argc, char **argv)
{
	static struct ew_proc proc = {.tgid = 4242, .uid = 1000, .comm = "uploader"};
	static struct ew_eval_category cats[] = {
	    {.id = "vin", .cls = EW_CLASS_PI, .matches_total = 12, .subjects_total = 12}};
	static char exe[] = "/opt/fleet/bin/uploader";
	long n = argc == 3 && !strcmp(argv[1], "-n") ? atol(argv[2]) : 1000000;
	struct ew_flow f = {.peer_port = 443,
			    .local_port = 51000,
			    .proto = EW_IPPROTO_TCP,
			    .family = EW_AF_INET,
			    .dir = EW_DIR_EGRESS,
			    .have_local = true,
			    .have_task = true,
			    .proc = &proc};
	struct ew_eval e = {
	    .flow_id = 1, .domain = "telemetry.example.com", .categories = cats, .n_categories = 1};
	struct ew_alert a = {.id = "b00f-1",
			     .rule = EW_ALERT_VIOLATION,
			     .severity = EW_SEV_CRITICAL,
			     .time_ns = 1796109623123000000,
			     .count = 1,
			     .message = "uploader (pid 4242) sent VINs of 12 people "
					"to US (telemetry.example.com); no approved route",
			     .flow = &f,
			     .eval = &e};
	char dir[] = "/tmp/ew-bench-alert-XXXXXX", path[64], buf[EW_SYSLOG_MAX];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ew_syslog_opts so = {.path = path, .hostname = "host1", .facility = -1};
	struct ew_syslog *s;
	struct ew_jsonw w;
	long drops = 0;
	size_t bytes = 0;
	pthread_t th;
	double t0;
	int srv;

	proc.exe = exe;
	f.peer[10] = f.peer[11] = 0xff;
	f.peer[12] = 198;
	f.peer[13] = 19;
	strcpy(e.place.country, "US");
	bench_pin_cpu(-1, "bench_alert_out");

	ew_jsonw_init(&w);
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		ew_jsonw_reset(&w);
		a.flow_id = (uint64_t)i;
		if (ew_alert_ocsf(&w, "host1", &a))
			return 1;
		bytes += w.len;
	}
	printf("ocsf: %.0f alerts/s (%zu bytes each)\n", (double)n / (now_s() - t0),
	       bytes / (size_t)n);
	ew_jsonw_free(&w);

	bytes = 0;
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		a.flow_id = (uint64_t)i;
		bytes += (size_t)ew_syslog_format(buf, sizeof(buf), 16, "host1", 1, &a);
	}
	printf("syslog format: %.0f alerts/s (%zu bytes each)\n", (double)n / (now_s() - t0),
	       bytes / (size_t)n);

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/log", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	srv = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (srv < 0 || bind(srv, (struct sockaddr *)&sa, sizeof(sa)) || ew_syslog_open(&s, &so))
		return 1;
	pthread_create(&th, NULL, drain, &srv);
	t0 = now_s();
	for (long i = 0; i < n / 4; i++) {
		a.flow_id = (uint64_t)i;
		drops += ew_syslog_send(s, &a) == -EAGAIN;
	}
	printf("syslog send: %.0f alerts/s, %ld of %ld dropped (receiver behind)\n",
	       (double)(n / 4) / (now_s() - t0), drops, n / 4);
	stop = 1;
	ew_syslog_close(s);
	shutdown(srv, SHUT_RDWR);
	close(srv);
	pthread_join(th, NULL);
	unlink(path);
	rmdir(dir);
	printf("RESULT ocsf_and_syslog=done\n");
	return 0;
}
