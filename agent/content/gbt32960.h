/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gbt32960.h - streaming parser of GB/T 32960.3 frames (the Chinese
 * new-energy-vehicle telematics protocol): each frame's VIN, and the vehicle
 * positions of real-time and reissued uploads, for the vehicle_telemetry,
 * vin and trajectory recognisers.
 *
 * Frame: "##", command (1), response flag (1), VIN (17 ASCII), encryption
 * (1), data length (2, big-endian, <= 65531), data, BCC: XOR of the bytes
 * from the command through the data.
 */
#ifndef EW_GBT32960_H
#define EW_GBT32960_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EW_GBT32960_DATA_MAX 65531
/* "##" + command .. data length + BCC around the data. */
#define EW_GBT32960_FRAME_MAX (EW_GBT32960_DATA_MAX + 25)

/**
 * struct ew_gbt32960_ops - what the parser calls for each frame whose BCC holds.
 * @frame: @vin is the 17 bytes as sent, not NUL-terminated, ASCII or NUL
 *         (the caller validates it as a VIN); @cmd 0x02 real-time upload,
 *         0x03 reissue, 0x01/0x04 vehicle login/logout, ...; @enc 0x01 none
 * @position: after @frame, for each vehicle position (information type
 *            0x05) of an unencrypted upload (0x02, 0x03): degrees x 10^6,
 *            negative south and west; @fixed false when the terminal flags
 *            the fix invalid (the coordinates are then its last known ones)
 */
struct ew_gbt32960_ops {
	void (*frame)(void *arg, uint8_t cmd, uint8_t ack, const uint8_t vin[17], uint8_t enc);
	void (*position)(void *arg, int32_t lat_e6, int32_t lon_e6, bool fixed);
};

struct ew_gbt32960;

/**
 * ew_gbt32960_open() - a parser for one direction of a stream.
 * @ops: callbacks, each may be NULL
 * @arg: passed to them
 *
 * Return: the parser, or NULL without memory.
 */
struct ew_gbt32960 *ew_gbt32960_open(const struct ew_gbt32960_ops *ops, void *arg);

/**
 * ew_gbt32960_feed() - the next bytes of the stream, split anywhere.
 * @g: the parser
 * @p: untrusted bytes
 * @n: bytes at @p
 *
 * Never stops: bytes that are no frame (bad header fields, bad BCC) are
 * skipped to the next "##", rescanning what a false start held. The frame
 * buffer grows to the largest frame announced, at most EW_GBT32960_FRAME_MAX.
 *
 * Return: 0, or -ENOMEM when the buffer could not grow (the frame is skipped).
 */
int ew_gbt32960_feed(struct ew_gbt32960 *g, const uint8_t *p, size_t n);

/**
 * ew_gbt32960_frames() - frames with a valid BCC seen so far.
 * @g: the parser
 * @bad: if not NULL, receives how many false starts were skipped
 *
 * Return: the count.
 */
uint64_t ew_gbt32960_frames(const struct ew_gbt32960 *g, uint64_t *bad);

/**
 * ew_gbt32960_close() - free the parser.
 * @g: the parser or NULL
 */
void ew_gbt32960_close(struct ew_gbt32960 *g);

/**
 * ew_gbt32960_state_size() - the most memory one open parser holds.
 *
 * Return: bytes.
 */
size_t ew_gbt32960_state_size(void);

/**
 * ew_gbt32960_sniff() - whether a stream starts with a GB/T 32960 frame header.
 * @p: the first bytes
 * @n: bytes at @p; the 24 bytes of the header are needed
 *
 * Return: true if they are a plausible header.
 */
bool ew_gbt32960_sniff(const uint8_t *p, size_t n);

#endif
