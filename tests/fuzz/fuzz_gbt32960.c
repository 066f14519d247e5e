// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the GB/T 32960 parser. The first byte chooses where
 * the rest is split; fed whole, split there, and (when short) a byte at a
 * time, it must report the same frames and positions.
 */
#include <stdlib.h>

#include "content/gbt32960.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ULL;
}

static void on_frame(void *arg, uint8_t cmd, uint8_t ack, const uint8_t vin[17], uint8_t enc)
{
	uint8_t f[3] = {cmd, ack, enc};

	mix(arg, f, 3);
	mix(arg, vin, 17);
}

static void on_position(void *arg, int32_t lat, int32_t lon, bool fixed)
{
	if (lat > 90000000 || lat < -90000000 || lon > 180000000 || lon < -180000000)
		abort();
	mix(arg, &lat, 4);
	mix(arg, &lon, 4);
	mix(arg, &fixed, 1);
}

static const struct ew_gbt32960_ops ops = {on_frame, on_position};

static uint64_t run(const uint8_t *p, size_t n, size_t cut)
{
	uint64_t h = 0;
	struct ew_gbt32960 *g = ew_gbt32960_open(&ops, &h);

	if (!g)
		abort();
	if (cut == SIZE_MAX) {
		for (size_t i = 0; i < n; i++)
			ew_gbt32960_feed(g, p + i, 1);
	} else {
		ew_gbt32960_feed(g, p, cut);
		ew_gbt32960_feed(g, p + cut, n - cut);
	}
	ew_gbt32960_close(g);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut;
	uint64_t a;

	if (size < 1)
		return 0;
	cut = data[0];
	data++;
	size--;
	cut = size ? cut % (size + 1) : 0;
	a = run(data, size, size);
	if (run(data, size, cut) != a)
		abort();
	if (size <= 1024 && run(data, size, SIZE_MAX) != a)
		abort();
	ew_gbt32960_sniff(data, size);
	return 0;
}
