// SPDX-License-Identifier: GPL-2.0-only
/*
 * magic.c - file kinds from leading bytes (ISO/IEC 14496-10 Annex B and
 * 7.3.2.1, ITU-T H.265 7.3.1.2, ISO/IEC 14496-12 4.3, the ONNX protobuf
 * schema, the zip local file header, the TFLite flatbuffer identifier) and
 * from media types.
 */
#include <string.h>
#include <strings.h>

#include "content/magic.h"

/* ONNX and PyTorch checks look at most this far. */
#define LOOK_MAX 4096

static const uint8_t torch_legacy[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
				       0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Index just past the next 00 00 01 at or after @i, or @n. */
static size_t next_nal(const uint8_t *p, size_t n, size_t i)
{
	for (; i + 3 <= n; i++)
		if (!p[i] && !p[i + 1] && p[i + 2] == 1)
			return i + 3;
	return n;
}

/* The first NAL unit: right after a 3- or 4-byte start code at offset 0. */
static size_t first_nal(const uint8_t *p, size_t n)
{
	if (n >= 4 && !p[0] && !p[1] && !p[2] && p[3] == 1)
		return 4;
	if (n >= 3 && !p[0] && !p[1] && p[2] == 1)
		return 3;
	return 0;
}

static int h264_profile(uint8_t v)
{
	static const uint8_t known[] = {66, 77, 88,  100, 110, 122, 244, 44,
					83, 86, 118, 128, 138, 139, 134, 135};

	return memchr(known, v, sizeof(known)) != NULL;
}

static const char *h264(const uint8_t *p, size_t n)
{
	size_t i = first_nal(p, n);

	if (!i || i >= n || (p[i] & 0x80))
		return NULL;
	if ((p[i] & 0x1f) == 9) { /* access unit delimiter */
		i = next_nal(p, n, i + 1);
		if (i >= n || (p[i] & 0x80))
			return NULL;
	}
	if ((p[i] & 0x1f) != 7 || !(p[i] & 0x60) || i + 1 >= n || !h264_profile(p[i + 1]))
		return NULL;
	for (i = next_nal(p, n, i + 2); i < n; i = next_nal(p, n, i))
		if ((p[i] & 0x9f) == 8 && (p[i] & 0x60))
			return "h264";
	return NULL;
}

static const char *h265(const uint8_t *p, size_t n)
{
	size_t i = first_nal(p, n);

	if (!i || i + 1 >= n)
		return NULL;
	if (p[i] == 0x46 && p[i + 1] == 0x01) { /* access unit delimiter */
		i = next_nal(p, n, i + 2);
		if (i + 1 >= n)
			return NULL;
	}
	if (p[i] != 0x40 || p[i + 1] != 0x01) /* VPS */
		return NULL;
	for (i = next_nal(p, n, i + 2); i + 1 < n; i = next_nal(p, n, i))
		if (p[i] == 0x42 && p[i + 1] == 0x01) /* SPS */
			return "h265";
	return NULL;
}

static const char *ftyp(const uint8_t *p, size_t n)
{
	static const char *const heif[] = {"heic", "heix", "hevc", "hevx", "heim",
					   "heis", "mif1", "msf1", "avif", "avis"};
	uint32_t size;

	if (n < 16 || memcmp(p + 4, "ftyp", 4))
		return NULL;
	size = be32(p);
	if (size < 16 || size > 1024 || (size - 16) % 4)
		return NULL;
	for (int i = 8; i < 12; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return NULL;
	for (size_t i = 0; i < sizeof(heif) / sizeof(heif[0]); i++)
		if (!memcmp(p + 8, heif[i], 4))
			return "heif";
	return "mp4";
}

/* A protobuf varint at @p[*i..@n); false if cut short or longer than 10 bytes. */
static int varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
	*v = 0;
	for (int s = 0; s < 70 && *i < n; s += 7) {
		uint8_t b = p[(*i)++];

		*v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			return 1;
	}
	return 0;
}

static int text_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			return 0;
	return 1;
}

static const char *onnx(const uint8_t *p, size_t n)
{
	size_t i = 2;

	if (n > LOOK_MAX)
		n = LOOK_MAX;
	if (n < 4 || p[0] != 0x08 || p[1] < 1 || p[1] > 32)
		return NULL;
	while (i < n) {
		uint64_t tag, v;

		if (!varint(p, n, &i, &tag))
			return NULL;
		switch (tag) {
		case 0x28: /* model_version */
			if (!varint(p, n, &i, &v))
				return NULL;
			break;
		case 0x12: /* producer_name, producer_version, domain, doc_string */
		case 0x1a:
		case 0x22:
		case 0x32:
			if (!varint(p, n, &i, &v) || v > n - i || !text_ok(p + i, (size_t)v))
				return NULL;
			i += (size_t)v;
			break;
		case 0x3a: /* graph: its first field is a GraphProto one */
			if (!varint(p, n, &i, &v) || !v || i >= n)
				return NULL;
			return memchr("\x0a\x12\x2a\x52\x5a\x62\x6a\x72\x7a", p[i], 9) ? "onnx"
										       : NULL;
		case 0x42: /* opset_import: domain or version first */
			if (!varint(p, n, &i, &v) || !v || i >= n)
				return NULL;
			return p[i] == 0x0a || p[i] == 0x10 ? "onnx" : NULL;
		default:
			return NULL;
		}
	}
	return NULL;
}

static const char *zip(const uint8_t *p, size_t n)
{
	size_t len;

	if (n < 30 || memcmp(p, "PK\3\4", 4))
		return NULL;
	len = (size_t)p[26] | (size_t)p[27] << 8;
	if (len > n - 30) /* name cut off: plain zip as far as we can tell */
		return "zip";
	if ((len >= 9 && !memcmp(p + 30 + len - 9, "/data.pkl", 9)) ||
	    (len >= 14 && !memcmp(p + 30 + len - 14, "/constants.pkl", 14)))
		return "pytorch";
	return "zip";
}

const char *ew_magic_kind(const uint8_t *p, size_t n)
{
	const char *k;

	if (!p)
		return NULL;
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "jpeg";
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "png";
	if (n >= 8 && !memcmp(p + 4, "TFL3", 4))
		return "tflite";
	if (n >= sizeof(torch_legacy) && !memcmp(p, torch_legacy, sizeof(torch_legacy)))
		return "pytorch";
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 0x08)
		return "gzip";
	if ((k = zip(p, n)) || (k = ftyp(p, n)) || (k = h264(p, n)) || (k = h265(p, n)))
		return k;
	return onnx(p, n);
}

const char *ew_content_type_kind(const char *ct)
{
	static const struct {
		const char *type, *kind;
	} exact[] = {
	    {"application/mp4", "mp4"},		  {"application/onnx", "onnx"},
	    {"application/x-onnx", "onnx"},	  {"application/vnd.onnx", "onnx"},
	    {"application/x-pytorch", "pytorch"}, {"application/vnd.pytorch", "pytorch"},
	    {"application/x-tflite", "tflite"},	  {"application/vnd.tflite", "tflite"},
	    {"application/gzip", "gzip"},	  {"application/x-gzip", "gzip"},
	    {"application/zip", "zip"},
	};
	size_t s, e, slash;

	if (!ct)
		return NULL;
	for (s = 0; ct[s] == ' ' || ct[s] == '\t'; s++)
		;
	for (e = s; ct[e] && ct[e] != ';' && ct[e] != ' ' && ct[e] != '\t'; e++)
		;
	for (slash = s; slash < e && ct[slash] != '/'; slash++)
		;
	if (slash == e || slash + 1 == e)
		return NULL;
	if (slash - s == 5 && !strncasecmp(ct + s, "image", 5))
		return "image";
	if (slash - s == 5 && !strncasecmp(ct + s, "video", 5))
		return "video";
	if (slash - s == 5 && !strncasecmp(ct + s, "audio", 5))
		return "audio";
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strlen(exact[i].type) == e - s && !strncasecmp(ct + s, exact[i].type, e - s))
			return exact[i].kind;
	return NULL;
}
