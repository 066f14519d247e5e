/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cgroup_path.h - container, pod and systemd unit from a cgroup v2 path.
 *
 * Container runtimes and kubelet encode their identifiers in the cgroup
 * names they create; reading them from the path needs no runtime socket and
 * works for processes that are already gone.
 */
#ifndef EW_CGROUP_PATH_H
#define EW_CGROUP_PATH_H

struct ew_cgroup_info {
	char container_id[65]; /* 64 lowercase hex, or empty */
	char runtime[16]; /* docker|containerd|cri-o|podman, or empty if the path does not say */
	char pod_uid[37]; /* Kubernetes pod UID with dashes, or empty */
	char unit[128];	  /* innermost systemd unit: nginx.service, session-3.scope */
};

/**
 * ew_cgroup_parse() - what a cgroup path says about its processes.
 * @path: a cgroup v2 path as in the "0::" line of /proc/PID/cgroup (NULL is "")
 * @out: filled; fields the path does not carry are empty strings
 *
 * The innermost container wins (docker inside a pod names the inner one).
 * Ids must be exactly 64 lowercase hex digits; anything else is not an id.
 * Never fails.
 */
void ew_cgroup_parse(const char *path, struct ew_cgroup_info *out);

#endif
