/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * magic.h - what kind of file a body or stream starts with, from its first
 * bytes or its Content-Type, for the media and model categories.
 *
 * Kinds and the categories the engine maps them to (REGULATION.md):
 *   "jpeg", "png", "heif", "image"          -> cabin_media or exterior_media
 *   "h264", "h265", "mp4", "video"          -> cabin_media or exterior_media
 *   "audio"                                 -> cabin_media
 *   "onnx", "pytorch", "tflite"             -> adas_model
 *   "gzip", "zip"                           -> none by themselves (containers)
 * Whether media is cabin or exterior is not in the bytes: the engine decides
 * with the workload labels of the sending process.
 */
#ifndef EW_MAGIC_H
#define EW_MAGIC_H

#include <stddef.h>
#include <stdint.h>

/**
 * ew_magic_kind() - the kind of file @p starts with.
 * @p: the first bytes of a body or stream (untrusted)
 * @n: bytes at @p; 64 suffice for all but ONNX and PyTorch, which look
 *     further when given more (up to 4 KiB is used)
 *
 * Conservative: each kind needs more than a two-byte signature.
 *  - jpeg: FF D8 FF; png: the 8-byte signature
 *  - h264: an Annex-B start code and an SPS (NAL type 7) with a known
 *    profile_idc first (an access unit delimiter may precede it), and a PPS
 *    (type 8) after another start code within @n
 *  - h265: a start code and a VPS (type 32, layer 0, temporal id 1) first
 *    (after an optional delimiter), and an SPS (type 33) after it within @n
 *  - mp4 / heif: an "ftyp" box of sane size at offset 0 with a printable
 *    major brand; HEIF/AVIF brands are "heif"
 *  - onnx: a protobuf ModelProto: ir_version (field 1, varint 1..32) first,
 *    then only ModelProto fields with well-formed lengths, the string ones
 *    printable, and a graph (field 7) or opset_import (field 8) among them
 *  - pytorch: a zip whose first entry is ".../data.pkl" or ".../constants.pkl"
 *    (torch.save and torch.jit.save), or the legacy pickle that starts with
 *    protocol 2 and torch's magic number; no other pickle
 *  - tflite: "TFL3" at offset 4
 *  - gzip: 1F 8B 08; zip: "PK\3\4" (when not PyTorch)
 *
 * Return: a static kind string, or NULL.
 */
const char *ew_magic_kind(const uint8_t *p, size_t n);

/**
 * ew_content_type_kind() - the kind a Content-Type value names.
 * @content_type: a field value, parameters allowed; may be NULL
 *
 * image/x -> "image", video/x -> "video", audio/x -> "audio"; application/mp4
 * -> "mp4"; ONNX, PyTorch and TFLite types some servers use (application/onnx,
 * application/x-onnx, application/vnd.onnx, application/x-pytorch,
 * application/vnd.pytorch, application/x-tflite, application/vnd.tflite) ->
 * "onnx", "pytorch", "tflite"; application/gzip and application/zip ->
 * "gzip", "zip". Anything else, application/octet-stream included: NULL
 * (the bytes then decide).
 *
 * Return: a static kind string, or NULL.
 */
const char *ew_content_type_kind(const char *content_type);

#endif
