/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * regfile.h - files the agent reads as its inputs (config, policy,
 * geolocation databases) are regular files. A FIFO named by mistake would
 * block the open or the read for ever; a device or a directory is no input.
 */
#ifndef EW_REGFILE_H
#define EW_REGFILE_H

#include <sys/stat.h>

/**
 * ew_regfile_open() - open @path read-only if it is a regular file.
 * @st: receives the file's fstat(), also when it is refused for its type
 *       (zeroed when the open itself failed)
 *
 * The open cannot block (O_NONBLOCK: a FIFO without a writer, a tty) nor
 * make a terminal ours (O_NOCTTY); the type is taken from the descriptor,
 * so a rename between the check and the read cannot swap in another file.
 * Return: a descriptor (O_CLOEXEC, blocking again), -EINVAL when @path is
 * not a regular file (name it with ew_regfile_kind(st->st_mode)), or
 * another -errno from open().
 */
int ew_regfile_open(const char *path, struct stat *st);

/** ew_regfile_kind() - what a file of @mode is, for messages: "a FIFO", "a directory". */
const char *ew_regfile_kind(mode_t mode);

#endif
