// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for ew_http_host(): no crash, and a host only when it is a sane one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/http_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[254];
	char small[8];
	int r = ew_http_host(data, size, out, sizeof(out));

	if (r == 0) {
		size_t n = strlen(out);

		if (n == 0 || n > 253 ||
		    strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789.-_:") != n)
			abort();
	} else if (r != -ENOENT && r != -EAGAIN && r != -EINVAL) {
		abort();
	}
	r = ew_http_host(data, size, small, sizeof(small));
	if (r == 0 && strlen(small) >= sizeof(small))
		abort();
	return 0;
}
