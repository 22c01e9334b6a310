/* Format sniffing, size limits and file reading shared by the decoders. */
#include "calib/image_decode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/input_file.h"
#include "core/status.h"

nq_image_format nq_image_sniff(const void *buf, size_t size) {
  const unsigned char *b = buf;
  static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (size >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return NQ_IMAGE_JPEG;
  if (size >= 8 && memcmp(b, png_sig, 8) == 0) return NQ_IMAGE_PNG;
  if (size >= 2 && b[0] == 'B' && b[1] == 'M') return NQ_IMAGE_BMP;
  return NQ_IMAGE_UNKNOWN;
}

const char *nq_image_format_name(nq_image_format f) {
  switch (f) {
    case NQ_IMAGE_JPEG:
      return "JPEG";
    case NQ_IMAGE_PNG:
      return "PNG";
    case NQ_IMAGE_BMP:
      return "BMP";
    default:
      return "unknown";
  }
}

nq_status nq_image_alloc(nq_image *out, long w, long h, int c, const char *name, nq_error *err) {
  if (w <= 0 || h <= 0)
    return nq_fail(err, NQ_ERR_FORMAT, "%s: image size %ld x %ld is empty or negative", name, w, h);
  size_t pixels, bytes;
  if (!nq_mul_size((size_t)w, (size_t)h, &pixels) || pixels > NQ_IMAGE_MAX_PIXELS)
    return nq_fail(err, NQ_ERR_NOMEM, "%s: image size %ld x %ld exceeds the limit of %zu pixels", name, w, h,
                   NQ_IMAGE_MAX_PIXELS);
  if (c != 1 && c != 3)
    return nq_fail(err, NQ_ERR_INTERNAL, "%s: decoder produced %d channels (1 or 3 expected)", name, c);
  if (!nq_mul_size(pixels, (size_t)c, &bytes)) return nq_fail(err, NQ_ERR_NOMEM, "%s: image too large", name);
  out->data = malloc(bytes);
  if (!out->data)
    return nq_fail(err, NQ_ERR_NOMEM, "%s: cannot allocate %zu bytes for a %ld x %ld image", name, bytes, w,
                   h);
  out->width = (int)w;
  out->height = (int)h;
  out->channels = c;
  return NQ_OK;
}

void nq_image_free(nq_image *img) {
  if (!img) return;
  free(img->data);
  memset(img, 0, sizeof *img);
}

nq_status nq_image_decode_mem(const void *buf, size_t size, const char *name, nq_image *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  nq_status s;
  switch (nq_image_sniff(buf, size)) {
#if NQ_HAVE_IMAGES
    case NQ_IMAGE_JPEG:
      s = nq_image_decode_jpeg(buf, size, name, out, err);
      break;
    case NQ_IMAGE_PNG:
      s = nq_image_decode_png(buf, size, name, out, err);
      break;
#else
    case NQ_IMAGE_JPEG:
    case NQ_IMAGE_PNG:
      return nq_fail(err, NQ_ERR_UNSUPPORTED,
                     "%s: a %s image, and this npuquant was built without JPEG/PNG support "
                     "(configure with -DNQ_WITH_IMAGES=ON; BMP, .npy and .npz data work)",
                     name, nq_image_format_name(nq_image_sniff(buf, size)));
#endif
    case NQ_IMAGE_BMP:
      s = nq_image_decode_bmp(buf, size, name, out, err);
      break;
    default:
      return nq_fail(err, NQ_ERR_FORMAT, "%s: not a JPEG, PNG or BMP image (unrecognised first bytes)", name);
  }
  if (s != NQ_OK) nq_image_free(out);
  return s;
}

nq_status nq_read_whole_file(const char *path, size_t max_bytes, unsigned char **buf, size_t *size,
                             nq_error *err) {
  return nq_input_read(path, NULL, max_bytes, buf, size, err);
}

nq_status nq_image_load(const char *path, nq_image *out, nq_error *err) {
  memset(out, 0, sizeof *out);
  unsigned char *buf;
  size_t size;
  NQ_TRY(nq_read_whole_file(path, NQ_IMAGE_MAX_FILE_BYTES, &buf, &size, err));
  nq_status s = nq_image_decode_mem(buf, size, path, out, err);
  free(buf);
  return s;
}
