/*
 * JPEG through libjpeg (libjpeg-turbo on Debian), from memory.
 *
 * libjpeg's default error manager prints and calls exit(); ours formats the
 * message into nq_error and longjmps back here. Warnings ("corrupt data",
 * "premature end of file") are turned into errors too, except extraneous
 * bytes before a marker, which loses no pixel: a truncated or damaged file
 * would otherwise decode "successfully" into gray blocks and skew calibration.
 * Decoding uses libjpeg's defaults (islow IDCT, fancy upsampling), as PIL does.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h> /* jpeglib.h needs FILE and size_t first */
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "calib/image_decode.h"
#include "core/status.h"

typedef struct jpeg_guard {
  struct jpeg_error_mgr mgr; /* first member: libjpeg passes &mgr as cinfo->err */
  jmp_buf jump;
  nq_error *err;
  const char *name;
} jpeg_guard;

static void guard_format(j_common_ptr cinfo, nq_status code) {
  jpeg_guard *g = (jpeg_guard *)cinfo->err;
  char msg[JMSG_LENGTH_MAX];
  g->mgr.format_message(cinfo, msg);
  nq_fail(g->err, code, "%s: corrupt or unsupported JPEG: %s", g->name, msg);
}

static void guard_error_exit(j_common_ptr cinfo) {
  guard_format(cinfo, NQ_ERR_FORMAT);
  longjmp(((jpeg_guard *)cinfo->err)->jump, 1);
}

static void guard_emit(j_common_ptr cinfo, int level) {
  /* level < 0: a warning about corrupt data; level >= 0: trace output. */
  if (level >= 0 || cinfo->err->msg_code == JWRN_EXTRANEOUS_DATA) return;
  guard_format(cinfo, NQ_ERR_FORMAT);
  longjmp(((jpeg_guard *)cinfo->err)->jump, 1);
}

static void guard_output(j_common_ptr cinfo) { (void)cinfo; /* never print */ }

nq_status nq_image_decode_jpeg(const void *buf, size_t size, const char *name, nq_image *out, nq_error *err) {
  struct jpeg_decompress_struct cinfo;
  jpeg_guard guard;
  memset(&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error(&guard.mgr);
  guard.mgr.error_exit = guard_error_exit;
  guard.mgr.emit_message = guard_emit;
  guard.mgr.output_message = guard_output;
  guard.err = err;
  guard.name = name;
#if SIZE_MAX > ULONG_MAX
  if (size > ULONG_MAX) return nq_fail(err, NQ_ERR_NOMEM, "%s: file too large", name);
#endif
  if (setjmp(guard.jump)) {
    /* The message is already in err; out->data (if any) is freed by the caller. */
    jpeg_destroy_decompress(&cinfo);
    return err->code != NQ_OK ? err->code : NQ_ERR_FORMAT;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, (const unsigned char *)buf, (unsigned long)size);
  jpeg_read_header(&cinfo, TRUE);

  int channels;
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      channels = 1;
      break;
    case JCS_YCbCr:
    case JCS_RGB:
      cinfo.out_color_space = JCS_RGB;
      channels = 3;
      break;
    default:
      jpeg_destroy_decompress(&cinfo);
      return nq_fail(err, NQ_ERR_FORMAT,
                     "%s: JPEG colour space %d (CMYK/YCCK) is not supported; convert it to RGB", name,
                     (int)cinfo.jpeg_color_space);
  }
  /* Bound the size before libjpeg allocates anything large. */
  nq_status s = nq_image_alloc(out, (long)cinfo.image_width, (long)cinfo.image_height, channels, name, err);
  if (s != NQ_OK) {
    jpeg_destroy_decompress(&cinfo);
    return s;
  }
  jpeg_start_decompress(&cinfo);
  if ((int)cinfo.output_width != out->width || (int)cinfo.output_height != out->height ||
      cinfo.output_components != channels) {
    jpeg_destroy_decompress(&cinfo);
    return nq_fail(err, NQ_ERR_INTERNAL, "%s: libjpeg output %ux%ux%d differs from the header", name,
                   cinfo.output_width, cinfo.output_height, cinfo.output_components);
  }
  size_t stride = (size_t)out->width * (size_t)channels;
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->data + (size_t)cinfo.output_scanline * stride;
    if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
      jpeg_destroy_decompress(&cinfo);
      return nq_fail(err, NQ_ERR_FORMAT, "%s: JPEG data ends at row %u of %u", name, cinfo.output_scanline,
                     cinfo.output_height);
    }
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return NQ_OK;
}
