/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jtt808.h - streaming parser of JT/T 808 frames (the Chinese road
 * transport terminal protocol, 2011/2013 and 2019 headers): each frame's
 * message id and terminal phone number, and the positions of location
 * reports, for the vehicle_telemetry, mobile_number and trajectory
 * recognisers.
 *
 * Frame: 0x7E, escaped (header, body, check code), 0x7E; 0x7D 0x02 stands
 * for 0x7E and 0x7D 0x01 for 0x7D. The check code is the XOR of header and
 * body.
 */
#ifndef EW_JTT808_H
#define EW_JTT808_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Unescaped header, body and check code; the standard's body is at most 1023. */
#define EW_JTT808_FRAME_MAX 4096
/* 20 BCD digits (2019 header) and NUL. */
#define EW_JTT808_PHONE_LEN 21

/**
 * struct ew_jtt808_ops - what the parser calls for each frame whose check code holds.
 * @frame: @phone is the header's BCD digits without leading zeros ("0" if
 *         all are), or "" when a nibble is no digit
 * @position: after @frame, for a location report (0x0200), each report of a
 *            bulk upload (0x0704) and a location query reply (0x0201):
 *            degrees x 10^6, negative south and west; @fixed is the status
 *            bit "positioned"
 */
struct ew_jtt808_ops {
	void (*frame)(void *arg, uint16_t msg_id, const char *phone);
	void (*position)(void *arg, int32_t lat_e6, int32_t lon_e6, bool fixed);
};

struct ew_jtt808;

/**
 * ew_jtt808_open() - a parser for one direction of a stream.
 * @ops: callbacks, each may be NULL
 * @arg: passed to them
 *
 * Return: the parser, or NULL without memory.
 */
struct ew_jtt808 *ew_jtt808_open(const struct ew_jtt808_ops *ops, void *arg);

/**
 * ew_jtt808_feed() - the next bytes of the stream, split anywhere.
 * @j: the parser
 * @p: untrusted bytes
 * @n: bytes at @p
 *
 * Never stops: bytes before the first 0x7E, frames with a bad escape, a bad
 * length or check code, or longer than EW_JTT808_FRAME_MAX are skipped.
 */
void ew_jtt808_feed(struct ew_jtt808 *j, const uint8_t *p, size_t n);

/**
 * ew_jtt808_frames() - frames with a valid check code seen so far.
 * @j: the parser
 * @bad: if not NULL, receives how many delimited candidates were not frames
 *
 * Return: the count.
 */
uint64_t ew_jtt808_frames(const struct ew_jtt808 *j, uint64_t *bad);

/**
 * ew_jtt808_close() - free the parser.
 * @j: the parser or NULL
 */
void ew_jtt808_close(struct ew_jtt808 *j);

/**
 * ew_jtt808_state_size() - the memory one open parser holds.
 *
 * Return: bytes.
 */
size_t ew_jtt808_state_size(void);

/**
 * ew_jtt808_sniff() - whether a stream starts with a JT/T 808 frame.
 * @p: the first bytes
 * @n: bytes at @p
 *
 * Return: true if they hold a whole valid frame from the first byte.
 */
bool ew_jtt808_sniff(const uint8_t *p, size_t n);

#endif
