// SPDX-License-Identifier: GPL-2.0-only
#include "util/nodump.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

int ew_nodump_rings(void)
{
	char line[512];
	int n = 0, rc = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		uintptr_t lo, hi;

		if (!strstr(line, "anon_inode:bpf-map") ||
		    sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) != 2 || hi <= lo)
			continue;
		if (madvise((void *)lo, hi - lo, MADV_DONTDUMP))
			rc = -errno;
		else
			n++;
	}
	fclose(f);
	return rc ? rc : n;
}

int ew_nodump_process(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) ? -errno : 0;
}
