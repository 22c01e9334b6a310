/*
 * PNG through libpng's classic API, from memory.
 *
 * libpng reports errors by longjmp to png_jmpbuf(); our error callback first
 * formats the message into nq_error, and the warning callback stays silent
 * (the library never prints). Transforms: palettes and 1/2/4-bit gray are
 * expanded to 8 bits, 16-bit samples keep their high byte (png_set_strip_16),
 * alpha is stripped without compositing (as PIL's convert("RGB") does), so the
 * result is gray (1 channel) or RGB (3). No gamma correction is applied: the
 * stored values are what a model was trained on in practice.
 */
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "calib/image_decode.h"
#include "core/status.h"

typedef struct png_source {
  const unsigned char *buf;
  size_t size, pos;
  nq_error *err;
  const char *name;
} png_source;

static void source_read(png_structp png, png_bytep dst, size_t n) {
  png_source *src = png_get_io_ptr(png);
  if (n > src->size - src->pos) png_error(png, "file is truncated");
  memcpy(dst, src->buf + src->pos, n);
  src->pos += n;
}

static void on_error(png_structp png, png_const_charp msg) {
  png_source *src = png_get_error_ptr(png);
  nq_fail(src->err, NQ_ERR_FORMAT, "%s: corrupt or unsupported PNG: %s", src->name, msg);
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

nq_status nq_image_decode_png(const void *buf, size_t size, const char *name, nq_image *out, nq_error *err) {
  png_source src = {buf, size, 0, err, name};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
  if (!png) return nq_fail(err, NQ_ERR_NOMEM, "%s: cannot create a PNG reader", name);
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, NULL, NULL);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: cannot create a PNG reader", name);
  }
  /* Changed after setjmp and used after longjmp: must be volatile. */
  png_bytep *volatile rows = NULL;
  if (setjmp(png_jmpbuf(png))) {
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return err->code != NQ_OK ? err->code : NQ_ERR_FORMAT;
  }
  png_set_read_fn(png, &src, source_read);
  png_read_info(png, info);
  png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);

  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  int channels = png_get_channels(png, info);
  if ((channels != 1 && channels != 3) || png_get_bit_depth(png, info) != 8) {
    png_destroy_read_struct(&png, &info, NULL);
    return nq_fail(err, NQ_ERR_FORMAT, "%s: PNG colour type %d, depth %d gives %d channels", name, color,
                   depth, channels);
  }
  nq_status s = nq_image_alloc(out, (long)w, (long)h, channels, name, err);
  if (s == NQ_OK && png_get_rowbytes(png, info) != (size_t)out->width * (size_t)channels)
    s = nq_fail(err, NQ_ERR_INTERNAL, "%s: libpng row size %zu, expected %zu", name,
                (size_t)png_get_rowbytes(png, info), (size_t)out->width * (size_t)channels);
  if (s == NQ_OK && !(rows = malloc((size_t)out->height * sizeof *rows)))
    s = nq_fail(err, NQ_ERR_NOMEM, "%s: cannot allocate %d row pointers", name, out->height);
  if (s != NQ_OK) {
    png_destroy_read_struct(&png, &info, NULL);
    return s;
  }
  for (int y = 0; y < out->height; y++)
    rows[y] = out->data + (size_t)y * (size_t)out->width * (size_t)channels;
  png_read_image(png, rows);
  png_read_end(png, NULL);
  free(rows);
  png_destroy_read_struct(&png, &info, NULL);
  return NQ_OK;
}
