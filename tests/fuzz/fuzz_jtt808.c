// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the JT/T 808 parser. The first byte chooses where
 * the rest is split; fed whole, split there, and (when short) a byte at a
 * time, it must report the same frames and positions.
 */
#include <stdlib.h>
#include <string.h>

#include "content/jtt808.h"
#include "split_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_frame(void *arg, uint16_t id, const char *phone)
{
	size_t n = strlen(phone);

	if (n >= EW_JTT808_PHONE_LEN || strspn(phone, "0123456789") != n)
		abort();
	split_mix(arg, &id, 2);
	split_mix(arg, phone, n + 1);
}

static void on_position(void *arg, int32_t lat, int32_t lon, bool fixed)
{
	if (lat > 90000000 || lat < -90000000 || lon > 180000000 || lon < -180000000)
		abort();
	split_mix(arg, &lat, 4);
	split_mix(arg, &lon, 4);
	split_mix(arg, &fixed, 1);
}

static const struct ew_jtt808_ops ops = {on_frame, on_position};

static uint64_t run(const uint8_t *p, size_t n, size_t cut)
{
	uint64_t h = 0;
	struct ew_jtt808 *g = ew_jtt808_open(&ops, &h);

	if (!g)
		abort();
	if (cut == SIZE_MAX) {
		for (size_t i = 0; i < n; i++)
			ew_jtt808_feed(g, p + i, 1);
	} else {
		ew_jtt808_feed(g, p, cut);
		ew_jtt808_feed(g, p + cut, n - cut);
	}
	ew_jtt808_close(g);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (split_check(&data, &size, run))
		ew_jtt808_sniff(data, size);
	return 0;
}
