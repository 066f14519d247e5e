// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "proc/cgroup_path.h"

#define ID   "3f1a3c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
#define ID2  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID  "5f0e1d2c-3b4a-4958-8776-a5b4c3d2e1f0"
#define UID_ "5f0e1d2c_3b4a_4958_8776_a5b4c3d2e1f0"

struct ccase {
	const char *path;
	const char *id, *runtime, *pod, *unit;
};

static const struct ccase cases[] = {
    /* Hosts. */
    {"/", "", "", "", ""},
    {"/init.scope", "", "", "", "init.scope"},
    {"/system.slice/nginx.service", "", "", "", "nginx.service"},
    {"/user.slice/user-1000.slice/session-3.scope", "", "", "", "session-3.scope"},
    {"/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.service", "", "", "",
     "dbus.service"},
    /* Docker, systemd and cgroupfs drivers, nested. */
    {"/system.slice/docker-" ID ".scope", ID, "docker", "", "docker-" ID ".scope"},
    {"/docker/" ID, ID, "docker", "", ""},
    {"/docker/" ID "/docker/" ID2, ID2, "docker", "", ""},
    {"/system.slice/docker.service", "", "", "", "docker.service"},
    /* Kubernetes, systemd driver. */
    {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
     ".slice/cri-containerd-" ID ".scope",
     ID, "containerd", UID, "cri-containerd-" ID ".scope"},
    {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/crio-" ID
     ".scope",
     ID, "cri-o", UID, "crio-" ID ".scope"},
    {"/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope", ID, "containerd",
     UID, "cri-containerd-" ID ".scope"}, /* guaranteed QoS */
    {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice/docker-" ID
     ".scope",
     ID, "docker", UID, "docker-" ID ".scope"},
    {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", "", "", UID,
     ""}, /* the pod's own cgroup */
    {"/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
     "kubelet-kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" ID ".scope",
     ID, "containerd", UID, "cri-containerd-" ID ".scope"}, /* kind */
    /* cri-o's conmon is not the container. */
    {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
     ".slice/crio-conmon-" ID ".scope",
     "", "", UID, "crio-conmon-" ID ".scope"},
    /* Kubernetes, cgroupfs driver: the path does not name the runtime. */
    {"/kubepods/burstable/pod" UID "/" ID, ID, "", UID, ""},
    {"/kubepods/pod" UID "/" ID, ID, "", UID, ""},
    {"/kubepods/besteffort/pod" UID "/crio-" ID, ID, "cri-o", UID, ""},
    /* Docker in a pod: the inner container, the outer pod. */
    {"/kubepods/burstable/pod" UID "/" ID "/docker/" ID2, ID2, "docker", UID, ""},
    /* Podman. */
    {"/machine.slice/libpod-" ID ".scope", ID, "podman", "", "libpod-" ID ".scope"},
    {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope/container", ID,
     "podman", "", "libpod-" ID ".scope"},
    {"/machine.slice/libpod-conmon-" ID ".scope", "", "", "", "libpod-conmon-" ID ".scope"},
    /* Not ids: 63 and 65 digits, uppercase, non-hex. */
    {"/system.slice/docker-"
     "3f1a3c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e"
     ".scope",
     "", "", "", "docker-3f1a3c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e.scope"},
    {"/docker/" ID "0", "", "", "", ""},
    {"/docker/3F1A3C1B2D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8", "", "", "", ""},
    {"/docker/"
     "3f1a3c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7eg",
     "", "", "", ""},
    {"/" ID, "", "", "", ""}, /* a bare id outside docker/ or kubepods */
    /* Not pod uids. */
    {"/kubepods/burstable/pod"
     "5f0e1d2c-3b4a-4958-8776-a5b4c3d2e1f"
     "/" ID,
     ID, "", "", ""},
    {"/kubepods/burstable/pod"
     "5F0E1D2C-3B4A-4958-8776-A5B4C3D2E1F0"
     "/" ID,
     ID, "", "", ""},
    {"/kubepods/burstable/pod"
     "5f0e1d2c3b4a-4958-8776-a5b4c3d2e1f0x"
     "/" ID,
     ID, "", "", ""},
    /* Odd shapes. */
    {"", "", "", "", ""},
    {"docker-" ID ".scope", ID, "docker", "", "docker-" ID ".scope"}, /* no slash at all */
    {"//system.slice//docker-" ID ".scope//", ID, "docker", "", "docker-" ID ".scope"},
    {"/system.slice/.scope", "", "", "", ".scope"},
    {"/system.slice/docker-.scope", "", "", "", "docker-.scope"},
    {"/docker", "", "", "", ""},
    {"/kubepods/pod", "", "", "", ""},
};

Test(cgroup_path, table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ccase *c = &cases[i];
		struct ew_cgroup_info info;

		memset(&info, 0x5a, sizeof(info)); /* stale content must not survive */
		ew_cgroup_parse(c->path, &info);
		cr_expect_str_eq(info.container_id, c->id, "id of %s", c->path);
		cr_expect_str_eq(info.runtime, c->runtime, "runtime of %s", c->path);
		cr_expect_str_eq(info.pod_uid, c->pod, "pod of %s", c->path);
		cr_expect_str_eq(info.unit, c->unit, "unit of %s", c->path);
	}
}

Test(cgroup_path, null_is_empty)
{
	struct ew_cgroup_info info;

	memset(&info, 0x5a, sizeof(info));
	ew_cgroup_parse(NULL, &info);
	cr_assert_str_empty(info.container_id);
	cr_assert_str_empty(info.unit);
}

Test(cgroup_path, unit_too_long_is_skipped_not_truncated)
{
	char path[300], name[200];
	struct ew_cgroup_info info;

	memset(name, 'a', sizeof(name));
	strcpy(name + sizeof(name) - 9, ".service");
	snprintf(path, sizeof(path), "/x.service/%s", name);
	ew_cgroup_parse(path, &info);
	cr_assert_str_eq(info.unit, "x.service");
}

Test(cgroup_path, very_long_path)
{
	/* 1 MiB of components: bounded time, no overflow, the last id found. */
	size_t n = 1 << 20;
	char *p = malloc(n + 100);
	struct ew_cgroup_info info;

	cr_assert_not_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = i % 7 == 0 ? '/' : 'z';
	strcpy(p + n, "/docker/" ID2);
	ew_cgroup_parse(p, &info);
	cr_assert_str_eq(info.container_id, ID2);
	cr_assert_str_eq(info.runtime, "docker");

	memset(p, 'a', n + 99); /* one huge component, no slash */
	p[n + 99] = '\0';
	ew_cgroup_parse(p, &info);
	cr_assert_str_empty(info.container_id);
	cr_assert_str_empty(info.unit);
	free(p);
}
