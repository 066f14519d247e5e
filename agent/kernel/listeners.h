/* SPDX-License-Identifier: GPL-2.0-only */
/* listeners.h - owners for the listening sockets that are older than the agent. */
#ifndef EW_LISTENERS_H
#define EW_LISTENERS_H

/**
 * ew_listeners_scan() - write an owner (EW_OWNER_SCAN) for every listening
 * TCP socket, in every network namespace, that has none in @map_fd.
 * @map_fd: the listeners' owners (ew_loader_listeners_map_fd()); -1: nothing to do
 * @cgroup2: the cgroup v2 mount, for the owners' cgroup ids
 * Return: owners written, or -errno.
 */
int ew_listeners_scan(int map_fd, const char *cgroup2);

#endif
