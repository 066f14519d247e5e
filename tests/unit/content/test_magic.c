// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include <criterion/criterion.h>

#include "content/magic.h"

#define KIND(lit) ew_magic_kind((const uint8_t *)(lit), sizeof(lit) - 1)

static void is(const char *got, const char *want)
{
	if (!want)
		cr_assert_null(got, "got %s", got);
	else
		cr_assert(got && !strcmp(got, want), "got %s, want %s", got ? got : "NULL", want);
}

Test(magic, images_and_containers)
{
	is(KIND("\xff\xd8\xff\xe0\x00\x10JFIF"), "jpeg");
	is(KIND("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "png");
	is(KIND("\x1f\x8b\x08\x00\x00\x00\x00\x00"), "gzip");
	is(KIND("PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
		"\x00\x00\x00\x00\x00\x05\x00\x00\x00a.txt"),
	   "zip");
	is(KIND("\xff\xd8"), NULL);
	is(KIND("\x89PNG"), NULL);
	is(KIND(""), NULL);
	is(ew_magic_kind(NULL, 0), NULL);
}

Test(magic, mp4_and_heif)
{
	is(KIND("\x00\x00\x00\x20"
		"ftypisom\x00\x00\x02\x00isomiso2avc1mp41"),
	   "mp4");
	is(KIND("\x00\x00\x00\x18"
		"ftypheic\x00\x00\x00\x00mif1heic"),
	   "heif");
	is(KIND("\x00\x00\x00\x07"
		"ftypisom\x00\x00\x02\x00"),
	   NULL); /* box smaller than its fields */
	is(KIND("\x00\x10\x00\x20"
		"ftypisom\x00\x00\x02\x00"),
	   NULL);
}

Test(magic, h264_h265)
{
	/* SPS (High profile), PPS, IDR: what x264 writes first. */
	is(KIND("\x00\x00\x00\x01\x67\x64\x00\x1f\xac\xd9\x40\x50\x05\xbb\x01\x10"
		"\x00\x00\x00\x01\x68\xeb\xe3\xcb\x22\xc0\x00\x00\x01\x65\x88\x84"),
	   "h264");
	/* An access unit delimiter first. */
	is(KIND("\x00\x00\x00\x01\x09\xf0\x00\x00\x00\x01\x67\x42\xc0\x1e\xda\x02"
		"\x00\x00\x01\x68\xce\x3c\x80"),
	   "h264");
	is(KIND("\x00\x00\x00\x01\x67\x64\x00\x1f\xac\xd9\x40\x50"), NULL);	/* no PPS yet */
	is(KIND("\x00\x00\x00\x01\x67\x07\x00\x1f\x00\x00\x01\x68\xce"), NULL); /* profile 7 */
	is(KIND("\x00\x00\x00\x01\x65\x88\x84\x00\x00\x01\x68\xce"), NULL);	/* slice first */
	/* VPS, SPS, PPS. */
	is(KIND("\x00\x00\x00\x01\x40\x01\x0c\x01\xff\xff\x01\x60\x00\x00\x03\x00"
		"\x00\x00\x00\x01\x42\x01\x01\x01\x60\x00\x00\x03\x00\x00\x00\x01\x44\x01"),
	   "h265");
	is(KIND("\x00\x00\x00\x01\x40\x01\x0c\x01\xff\xff"), NULL);
}

Test(magic, models)
{
	/* What torch.onnx.export writes first: ir_version 7, producer, version, graph. */
	is(KIND("\x08\x07\x12\x07pytorch\x1a\x05"
		"2.1.0:\xa5\x02\x0a\x4f\x0a\x05input"),
	   "onnx");
	/* opset_import straight after ir_version. */
	is(KIND("\x08\x08\x42\x04\x0a\x00\x10\x0d"), "onnx");
	is(KIND("\x08\x07\x12\x07pyt\x01rch:\x05\x0a"), NULL); /* control byte in a name */
	is(KIND("\x08\x07\x12\x07pytorch\x1a\x05"
		"2.1.0:\xa5\x02\xff"),
	   NULL); /* graph holds no graph field */
	is(KIND("\x08\x07\x12\x07pytorch\x1a\x05"
		"2.1.0"),
	   NULL);				/* no graph yet */
	is(KIND("\x08\x00\x3a\x01\x0a"), NULL); /* ir_version 0 */
	is(KIND("\x08\x07\x60\x01\x0a"), NULL); /* not a ModelProto field */
	/* torch.save: a zip whose first entry is archive/data.pkl. */
	is(KIND("PK\x03\x04\x00\x00\x08\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
		"\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00"
		"archive/data.pkl"),
	   "pytorch");
	is(KIND("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19\x2e"), "pytorch");
	is(KIND("\x80\x02}q\x00."), NULL); /* some other pickle */
	is(KIND("\x1c\x00\x00\x00TFL3\x14\x00\x20\x00"), "tflite");
}

Test(magic, content_types)
{
	is(ew_content_type_kind("image/jpeg"), "image");
	is(ew_content_type_kind(" Image/PNG; q=1"), "image");
	is(ew_content_type_kind("video/mp4"), "video");
	is(ew_content_type_kind("audio/ogg;codecs=opus"), "audio");
	is(ew_content_type_kind("application/mp4"), "mp4");
	is(ew_content_type_kind("application/x-onnx"), "onnx");
	is(ew_content_type_kind("application/vnd.pytorch"), "pytorch");
	is(ew_content_type_kind("application/x-tflite"), "tflite");
	is(ew_content_type_kind("application/octet-stream"), NULL);
	is(ew_content_type_kind("application/json"), NULL);
	is(ew_content_type_kind("image/"), NULL);
	is(ew_content_type_kind("image"), NULL);
	is(ew_content_type_kind("imagex/png"), NULL);
	is(ew_content_type_kind(""), NULL);
	is(ew_content_type_kind(NULL), NULL);
}
