// SPDX-License-Identifier: GPL-2.0-only
/* Connects, writes a few bytes and exits at once: a process that is gone
 * before any /proc lookup could name it. Usage: quickconn IP PORT MARKER */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd;

	if (argc < 4)
		return 2;
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return 1;
	if (write(fd, "0123456789", 10) != 10)
		return 1;
	_exit(0); /* no close, no exit handlers: the kernel tears the socket down */
}
