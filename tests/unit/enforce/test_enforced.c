// SPDX-License-Identifier: GPL-2.0-only
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "enforce/enforced.h"
#include "policy/policy.h"

static struct ew_policy p;
static struct ew_enforced t;
static char dir[] = "/tmp/ew-targets-XXXXXX";

static void mkfile(const char *rel, int mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
	cr_assert_geq(fd, 0, "%s", path);
	close(fd);
}

static struct ew_enf_exe_key key_of(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	cr_assert_eq(stat(path, &st), 0);
	return ew_enforced_exe_key(st.st_dev, st.st_ino);
}

static uint64_t mask_of(const char *rel)
{
	struct ew_enf_exe_key k = key_of(rel);

	for (int i = 0; i < t.n_exe; i++)
		if (!memcmp(&t.exe[i].key, &k, sizeof(k)))
			return t.exe[i].mask;
	return 0;
}

static void fini(void)
{
	char cmd[300];

	ew_enforced_free(&t);
	ew_policy_free(&p);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(enforced, executables_under_the_glob_and_workload_bits, .fini = fini)
{
	char text[2048], err[1024];

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(mkdir(strcat(strcpy(text, dir), "/bin"), 0755), 0);
	cr_assert_eq(mkdir(strcat(strcpy(text, dir), "/bin/sub"), 0755), 0);
	mkfile("bin/up", 0755);
	mkfile("bin/sub/deep", 0755);
	mkfile("bin/data.txt", 0644); /* not executable: no program runs it */
	mkfile("other", 0755);
	snprintf(text, sizeof(text),
		 "{\"version\":1,\"workloads\":["
		 "{\"name\":\"mon\",\"executable\":\"%s/*\",\"categories\":[\"pi\"]},"
		 "{\"name\":\"bin\",\"executable\":\"%s/bin/*\",\"enforce\":true,"
		 "\"categories\":[\"pi\"]},"
		 "{\"name\":\"one\",\"executable\":\"%s/other\",\"enforce\":true,"
		 "\"categories\":[\"pi\"]},"
		 "{\"name\":\"both\",\"executable\":\"%s/bin/up\",\"systemd_unit\":\"x.service\","
		 "\"enforce\":true,\"categories\":[\"pi\"]}]}",
		 dir, dir, dir, dir);
	cr_assert_eq(ew_policy_parse("p.json", text, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(ew_enforced_build(&p.labels, NULL, &t), 0);
	cr_assert_eq(t.n_workloads, 3, "monitor-only workloads take no bit");
	cr_assert_eq(t.active, 0x7);
	cr_assert_eq(t.need_exe, 0x7);
	cr_assert_eq(t.need_cg, 0x4, "\"both\" needs its cgroup too");
	cr_assert_str_eq(t.names[0], "bin");
	cr_assert_eq(mask_of("bin/up"), 0x1 | 0x4);
	cr_assert_eq(mask_of("bin/sub/deep"), 0x1, "'*' crosses '/'");
	cr_assert_eq(mask_of("bin/data.txt"), 0);
	cr_assert_eq(mask_of("other"), 0x2);
	cr_assert_eq(t.n_exe, 3);
	cr_assert_eq(t.n_cg, 0, "no cgroup mount given");
	cr_assert_str_eq(ew_enforced_workload(&p.labels, 0x2), "one");
	cr_assert_str_eq(ew_enforced_workload(&p.labels, 0x6), "one");
	cr_assert_null(ew_enforced_workload(&p.labels, 0x8));
	cr_assert_null(ew_enforced_workload(&p.labels, 0));
}

Test(enforced, kernel_device_numbers)
{
	/* makedev(8, 1) is /dev/sda1: the kernel says 8 << 20 | 1 */
	struct ew_enf_exe_key k = ew_enforced_exe_key(0x801, 42);

	cr_assert_eq(k.dev, (8ull << 20) | 1);
	cr_assert_eq(k.ino, 42);
	k = ew_enforced_exe_key(makedev(0x12, 0x34578), 1);
	cr_assert_eq(k.dev, (0x12ull << 20) | 0x34578);
}

static uint64_t cg_mask(const char *rel)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	for (int i = 0; i < t.n_cg; i++)
		if (t.cg[i].id == st.st_ino)
			return t.cg[i].mask;
	return 0;
}

/* A cgroup tree stand-in: directories whose inode numbers are the ids. */
Test(enforced, cgroups_by_unit_and_path, .fini = fini)
{
	static const char *const dirs[] = {"system.slice", "system.slice/dms-a.service",
					   "system.slice/dms-a.service/payload",
					   "system.slice/other.service", "user.slice"};
	char text[2048], err[1024];

	cr_assert_not_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(text, sizeof(text), "%s/%s", dir, dirs[i]);
		cr_assert_eq(mkdir(text, 0755), 0, "%s", text);
	}
	cr_assert_eq(
	    ew_policy_parse("p.json",
			    "{\"version\":1,\"workloads\":["
			    "{\"name\":\"dms\",\"systemd_unit\":\"dms-*.service\","
			    "\"enforce\":true,\"categories\":[\"pi\"]},"
			    "{\"name\":\"user\",\"cgroup\":\"/user.slice*\",\"enforce\":true,"
			    "\"categories\":[\"pi\"]}]}",
			    &p, err, sizeof(err)),
	    0, "%s", err);
	cr_assert_eq(ew_enforced_build(&p.labels, dir, &t), 0);
	cr_assert_eq(t.need_cg, 0x3);
	cr_assert_eq(t.need_exe, 0);
	cr_assert_eq(cg_mask("system.slice/dms-a.service"), 0x1);
	cr_assert_eq(cg_mask("system.slice/dms-a.service/payload"), 0x1, "inside the unit");
	cr_assert_eq(cg_mask("system.slice/other.service"), 0);
	cr_assert_eq(cg_mask("user.slice"), 0x2);
	cr_assert_eq(t.n_cg, 3);
}
