// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program with OpenSSL linked in statically (libc stays dynamic), for
 * test_targets: it holds an SSL object and waits until stdin closes.
 */
#include <openssl/ssl.h>
#include <unistd.h>

int main(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *s = ctx ? SSL_new(ctx) : NULL;
	char b[1];
	size_t n;

	if (!s)
		return 1;
	/* Referenced so the linker keeps them; never reached while the test runs. */
	while (read(0, b, 1) > 0) {
		SSL_write(s, b, 1);
		SSL_write_ex(s, b, 1, &n);
		SSL_read(s, b, 1);
		SSL_read_ex(s, b, 1, &n);
	}
	SSL_free(s);
	SSL_CTX_free(ctx);
	return 0;
}
