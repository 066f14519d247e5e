// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "synth.h"
#include "inspect/tls_sni.h"

/* Recorded ClientHellos are at most a few KiB; the largest here is 517 bytes. */
#define MAX_HELLO 4096

static size_t load(const char *client, uint8_t *buf)
{
	char file[64];

	snprintf(file, sizeof(file), "clienthello-%s.bin", client);
	return synth_load_data(file, buf, MAX_HELLO);
}

/* Offset of the first byte of the host_name in a recorded hello. */
static size_t find(const uint8_t *buf, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(buf + i, name, n))
			return i;
	cr_assert_fail("%s not in sample", name);
	return 0;
}

static void recorded(const char *client, const char *want)
{
	uint8_t buf[MAX_HELLO];
	char out[EW_HOSTNAME_LEN];
	size_t len = load(client, buf);

	cr_assert_eq(ew_tls_sni(buf, len, out, sizeof(out)), 0, "%s", client);
	cr_assert_str_eq(out, want);
	/*
	 * Every short capture is undecided or malformed, never a name: a wrong
	 * name would be recorded as fact. The full name needs every byte up to
	 * its end, and all earlier lengths are consistent, so -EAGAIN.
	 */
	for (size_t cut = 0; cut < len; cut++) {
		int r = ew_tls_sni(buf, cut, out, sizeof(out));

		if (cut < find(buf, len, want) + strlen(want))
			cr_assert_eq(r, -EAGAIN, "%s cut at %zu: %d", client, cut, r);
		else
			cr_assert(r == 0 && !strcmp(out, want), "%s cut at %zu: %d %s", client, cut,
				  r, out);
	}
}

Test(tls_sni, curl)
{
	recorded("curl", "example.test");
}

Test(tls_sni, openssl_s_client)
{
	recorded("openssl", "openssl.test");
}

Test(tls_sni, python_ssl)
{
	recorded("python", "python.test");
}

Test(tls_sni, gnutls_cli)
{
	recorded("gnutls", "gnutls.test");
}

Test(tls_sni, wget_gnutls_via_connect_proxy)
{
	recorded("wget", "wget.test");
}

Test(tls_sni, no_server_name_is_enoent)
{
	uint8_t buf[MAX_HELLO];
	char out[EW_HOSTNAME_LEN];
	size_t len = load("openssl-nosni", buf);

	cr_assert_eq(ew_tls_sni(buf, len, out, sizeof(out)), -ENOENT);
	for (size_t cut = 0; cut < len; cut++)
		cr_assert_eq(ew_tls_sni(buf, cut, out, sizeof(out)), -EAGAIN, "cut at %zu", cut);
}

/* A minimal TLS 1.2 ClientHello built field by field, so tests can lie in one place. */
struct hello {
	uint8_t b[512];
	size_t len;
	size_t rec_len, hs_len, ext_len, sni_ext_len, list_len, name_len, name;
};

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void build(struct hello *h, const char *name, int with_sni)
{
	uint8_t *p = h->b;
	size_t n = strlen(name), i = 0;

	memset(h, 0, sizeof(*h));
	p[i++] = 0x16, p[i++] = 3, p[i++] = 1, i += 2;	    /* record */
	p[i++] = 1, i += 3;				    /* handshake */
	p[i++] = 3, p[i++] = 3, i += 32;		    /* version, random */
	p[i++] = 0;					    /* session id */
	put16(p + i, 2), i += 2, p[i++] = 0x13, p[i++] = 1; /* one cipher suite */
	p[i++] = 1, p[i++] = 0;				    /* null compression */
	h->ext_len = i, i += 2;
	/* An unrelated extension first, so the walk has to skip one. */
	put16(p + i, 0x000b), put16(p + i + 2, 2), p[i + 4] = 1, p[i + 5] = 0, i += 6;
	if (with_sni) {
		put16(p + i, 0), i += 2;
		h->sni_ext_len = i, put16(p + i, n + 5), i += 2;
		h->list_len = i, put16(p + i, n + 3), i += 2;
		p[i++] = 0;
		h->name_len = i, put16(p + i, n), i += 2;
		h->name = i;
		memcpy(p + i, name, n), i += n;
	}
	h->len = i;
	put16(p + 3, i - 5);
	p[6] = (uint8_t)((i - 9) >> 16), put16(p + 7, i - 9);
	put16(p + h->ext_len, i - h->ext_len - 2);
	h->rec_len = 3, h->hs_len = 7;
}

static int sni(const struct hello *h, char *out)
{
	return ew_tls_sni(h->b, h->len, out, EW_HOSTNAME_LEN);
}

Test(tls_sni, built_hello_lowercases)
{
	struct hello h;
	char out[EW_HOSTNAME_LEN];

	build(&h, "WWW.Example_1-x.TEST", 1);
	cr_assert_eq(sni(&h, out), 0);
	cr_assert_str_eq(out, "www.example_1-x.test");
	build(&h, "x", 0);
	cr_assert_eq(sni(&h, out), -ENOENT);
}

Test(tls_sni, lengths_overrun_by_one)
{
	struct hello h;
	char out[EW_HOSTNAME_LEN];
	size_t fields[] = {offsetof(struct hello, ext_len), offsetof(struct hello, sni_ext_len),
			   offsetof(struct hello, list_len), offsetof(struct hello, name_len)};

	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		build(&h, "a.test", 1);
		size_t at = *(size_t *)((char *)&h + fields[f]);

		put16(h.b + at, (size_t)(h.b[at] << 8 | h.b[at + 1]) + 1);
		cr_assert_eq(sni(&h, out), -EINVAL, "field %zu", f);
		cr_assert_str_eq(out, "");
	}
	/* The handshake claims one byte more than its extensions fill. */
	build(&h, "a.test", 1);
	put16(h.b + h.hs_len + 1, h.len - 9 + 1);
	cr_assert_eq(sni(&h, out), -EINVAL);
	/* A record ending inside the ClientHello: the rest would come in the next record. */
	build(&h, "a.test", 1);
	put16(h.b + h.rec_len, h.len - 5 - 3);
	cr_assert_eq(sni(&h, out), -EAGAIN);
	/*
	 * The record claims one byte more than sent: the ClientHello inside is
	 * complete (a record may hold further handshake messages), so it counts.
	 */
	build(&h, "a.test", 1);
	put16(h.b + h.rec_len, h.len - 5 + 1);
	cr_assert_eq(sni(&h, out), 0);
	/* Lengths one short leave bytes that belong to no field. */
	build(&h, "a.test", 1);
	put16(h.b + h.list_len, strlen("a.test") + 2);
	cr_assert_eq(sni(&h, out), -EINVAL);
}

Test(tls_sni, extension_length_ffff)
{
	struct hello h;
	char out[EW_HOSTNAME_LEN];

	build(&h, "a.test", 1);
	put16(h.b + h.sni_ext_len, 0xffff);
	cr_assert_eq(sni(&h, out), -EINVAL);
	build(&h, "a.test", 1);
	put16(h.b + h.ext_len, 0xffff);
	cr_assert_eq(sni(&h, out), -EINVAL);
	build(&h, "a.test", 1);
	put16(h.b + h.name_len, 0xffff);
	cr_assert_eq(sni(&h, out), -EINVAL);
}

Test(tls_sni, bad_types_and_names)
{
	struct hello h;
	char out[EW_HOSTNAME_LEN];
	char longname[300];

	build(&h, "a.test", 1);
	h.b[0] = 0x17; /* application data */
	cr_assert_eq(sni(&h, out), -EINVAL);
	build(&h, "a.test", 1);
	h.b[5] = 2; /* ServerHello */
	cr_assert_eq(sni(&h, out), -EINVAL);
	build(&h, "a.test", 1);
	h.b[h.name_len - 1] = 1; /* name type other than host_name */
	cr_assert_eq(sni(&h, out), -EINVAL);
	build(&h, "a te/t", 1);
	cr_assert_eq(sni(&h, out), -EINVAL);
	build(&h, "a.test", 1);
	h.b[h.name + 1] = 0;
	cr_assert_eq(sni(&h, out), -EINVAL);
	memset(longname, 'a', 254);
	longname[254] = '\0';
	build(&h, longname, 1);
	cr_assert_eq(sni(&h, out), -EINVAL);
	longname[253] = '\0';
	build(&h, longname, 1);
	cr_assert_eq(sni(&h, out), 0);
	cr_assert_eq(strlen(out), 253);
	/* An empty name: lengths all consistent, name length 0. */
	build(&h, "", 1);
	cr_assert_eq(sni(&h, out), -EINVAL);
}

Test(tls_sni, small_output_is_enospc)
{
	struct hello h;
	char out[8];

	build(&h, "a.test", 1);
	cr_assert_eq(ew_tls_sni(h.b, h.len, out, 6), -ENOSPC);
	cr_assert_eq(ew_tls_sni(h.b, h.len, out, 7), 0);
	cr_assert_str_eq(out, "a.test");
}

Test(tls_sni, every_byte_flip_of_a_recorded_hello_is_safe)
{
	uint8_t buf[MAX_HELLO];
	char out[EW_HOSTNAME_LEN];
	size_t len = load("curl", buf);

	/*
	 * Each single-byte change decides something or fails; if it yields a
	 * name, that name is well-formed (length fields changed to still-valid
	 * values can legitimately move the name).
	 */
	for (size_t i = 0; i < len; i++) {
		uint8_t save = buf[i];

		for (int x = 1; x < 256; x <<= 1) {
			buf[i] = save ^ (uint8_t)x;
			int r = ew_tls_sni(buf, len, out, sizeof(out));

			cr_assert(r == 0 || r == -ENOENT || r == -EAGAIN || r == -EINVAL);
			if (!r)
				cr_assert(strlen(out) > 0 && strlen(out) <= 253);
		}
		buf[i] = save;
	}
}
