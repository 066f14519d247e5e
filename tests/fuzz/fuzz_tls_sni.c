// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer harness for ew_tls_sni(): no crash, and a name only when it is a sane one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/tls_sni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[EW_HOSTNAME_LEN];
	char small[8];
	int r = ew_tls_sni(data, size, out, sizeof(out));

	if (r == 0) {
		size_t n = strlen(out);

		if (n == 0 || n > 253 ||
		    strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != n)
			abort();
	} else if (r != -ENOENT && r != -EAGAIN && r != -EINVAL) {
		abort();
	}
	/* A small buffer must be refused, never overrun (ASan watches). */
	r = ew_tls_sni(data, size, small, sizeof(small));
	if (r == 0 && strlen(small) >= sizeof(small))
		abort();
	return 0;
}
