// SPDX-License-Identifier: GPL-2.0-only
#include <stdbool.h>
#include <string.h>

#include "proc/cgroup_path.h"

#define ID_LEN	64
#define UID_LEN 36

struct comp {
	const char *s;
	size_t n;
};

static bool has_prefix(struct comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && memcmp(c.s, p, n) == 0;
}

static bool has_suffix(struct comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && memcmp(c.s + c.n - n, p, n) == 0;
}

static bool is_eq(struct comp c, const char *p)
{
	return c.n == strlen(p) && memcmp(c.s, p, c.n) == 0;
}

/* Runtimes write ids in lowercase; uppercase means it is not one of theirs. */
static bool is_id(const char *s, size_t n)
{
	if (n != ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* 8-4-4-4-12 hex; systemd slices spell the dashes as '_' (a '-' there nests). */
static bool take_uid(const char *s, size_t n, char out[UID_LEN + 1])
{
	if (n != UID_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-' && c != '_')
				return false;
			out[i] = '-';
		} else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			out[i] = c;
		} else {
			return false;
		}
	}
	out[n] = '\0';
	return true;
}

/* "<prefix><64hex>.scope": docker-, cri-containerd-, crio-, libpod-. */
static bool scoped_id(struct comp c, const char *prefix, const char **id)
{
	size_t pl = strlen(prefix);

	if (!has_prefix(c, prefix) || !has_suffix(c, ".scope") ||
	    !is_id(c.s + pl, c.n - pl - strlen(".scope")))
		return false;
	*id = c.s + pl;
	return true;
}

static void set_container(struct ew_cgroup_info *out, const char *id, const char *runtime)
{
	memcpy(out->container_id, id, ID_LEN);
	out->container_id[ID_LEN] = '\0';
	strcpy(out->runtime, runtime);
}

static void pod_from(struct comp c, struct ew_cgroup_info *out)
{
	char uid[UID_LEN + 1];

	/* cgroupfs driver: "pod<uid>"; systemd driver: "kubepods[-qos]-pod<uid>.slice". */
	if (has_prefix(c, "pod") && take_uid(c.s + 3, c.n - 3, uid)) {
		memcpy(out->pod_uid, uid, sizeof(uid));
		return;
	}
	if (has_suffix(c, ".slice") && c.n > UID_LEN + strlen("-pod.slice")) {
		const char *u = c.s + c.n - strlen(".slice") - UID_LEN;

		if (memcmp(u - 4, "-pod", 4) == 0 && take_uid(u, UID_LEN, uid))
			memcpy(out->pod_uid, uid, sizeof(uid));
	}
}

static void component(struct comp c, struct comp parent, bool in_kubepods,
		      struct ew_cgroup_info *out)
{
	const char *id;

	if ((has_suffix(c, ".service") || has_suffix(c, ".scope")) && c.n < sizeof(out->unit)) {
		memcpy(out->unit, c.s, c.n);
		out->unit[c.n] = '\0';
	}
	if (scoped_id(c, "docker-", &id))
		set_container(out, id, "docker");
	else if (scoped_id(c, "cri-containerd-", &id))
		set_container(out, id, "containerd");
	else if (scoped_id(c, "crio-", &id)) /* "crio-conmon-<id>" fails the hex test */
		set_container(out, id, "cri-o");
	else if (scoped_id(c, "libpod-", &id)) /* so does "libpod-conmon-<id>" */
		set_container(out, id, "podman");
	else if (is_id(c.s, c.n) && is_eq(parent, "docker"))
		set_container(out, c.s, "docker");
	else if (is_id(c.s, c.n) && in_kubepods)
		set_container(out, c.s, ""); /* cgroupfs driver: containerd or docker alike */
	else if (has_prefix(c, "crio-") && !has_suffix(c, ".scope") && in_kubepods &&
		 is_id(c.s + 5, c.n - 5))
		set_container(out, c.s + 5, "cri-o"); /* cri-o with the cgroupfs driver */
	else if (has_prefix(c, "kubepods") || has_prefix(c, "pod") || has_suffix(c, ".slice"))
		pod_from(c, out);
}

void ew_cgroup_parse(const char *path, struct ew_cgroup_info *out)
{
	struct comp parent = {"", 0};
	bool in_kubepods = false;
	const char *p = path ? path : "";

	memset(out, 0, sizeof(*out));
	while (*p) {
		struct comp c;

		while (*p == '/')
			p++;
		c.s = p;
		while (*p && *p != '/')
			p++;
		c.n = (size_t)(p - c.s);
		if (!c.n)
			break;
		/* kubelet's cgroupfs root, or any systemd kubepods*.slice (also kind's
		 * "kubelet-kubepods.slice"): bare ids below it are containers. */
		if (is_eq(c, "kubepods") ||
		    (has_suffix(c, ".slice") && memmem(c.s, c.n, "kubepods", 8)))
			in_kubepods = true;
		component(c, parent, in_kubepods, out);
		parent = c;
	}
}
