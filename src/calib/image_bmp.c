/*
 * Windows BMP reader: uncompressed 8-bit (palette), 24-bit and 32-bit, rows
 * stored bottom-up (height > 0) or top-down (height < 0).
 *
 * Layout (all little-endian):
 *   0   "BM"                       file header, 14 bytes
 *   10  u32 offset of the pixel data
 *   14  u32 DIB header size: 12 (OS/2 core: u16 width, u16 height, u16 planes,
 *       u16 bpp; 3-byte palette entries) or >= 40 (BITMAPINFOHEADER and its
 *       V4/V5 extensions: i32 width, i32 height, u16 planes, u16 bpp,
 *       u32 compression, u32 image size, i32 x/y pixels per metre,
 *       u32 colours used, u32 important; 4-byte palette entries B,G,R,0)
 *   the palette follows the DIB header (and, for a 40-byte header with
 *   BI_BITFIELDS, three u32 colour masks)
 *   rows are padded to a multiple of 4 bytes; pixels are B,G,R(,X)
 *
 * Compression 0 (BI_RGB) is supported, and 3 (BI_BITFIELDS) for 32-bit when
 * the masks are the standard R=0xFF0000 G=0xFF00 B=0xFF. RLE and 1/4/16-bit
 * files are rejected. Every offset and size is checked against the buffer;
 * a palette index beyond the palette is an error, not a read past it.
 * A palette whose entries are all gray yields a 1-channel image (as PIL
 * reads such files as mode "L").
 */
#include <stdlib.h>
#include <string.h>

#include "calib/image_decode.h"
#include "core/checked.h"
#include "core/status.h"

static uint32_t rd16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

nq_status nq_image_decode_bmp(const void *buf, size_t size, const char *name, nq_image *out, nq_error *err) {
  const unsigned char *b = buf;
  if (size < 26 || b[0] != 'B' || b[1] != 'M')
    return nq_fail(err, NQ_ERR_FORMAT, "%s: BMP is truncated (%zu bytes, header needs 26)", name, size);
  uint32_t pix_off = rd32(b + 10), dib = rd32(b + 14);
  long w, h;
  uint32_t bpp, compression = 0, colors_used = 0;
  size_t pal_off, pal_entry;
  if (dib == 12) {
    w = (long)rd16(b + 18);
    h = (long)rd16(b + 20);
    bpp = rd16(b + 24);
    pal_off = 26;
    pal_entry = 3;
  } else if (dib >= 40 && dib <= 1024) {
    if (size < 14 + (size_t)dib)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: BMP is truncated inside its %u-byte header", name, dib);
    w = (long)(int32_t)rd32(b + 18);
    h = (long)(int32_t)rd32(b + 22);
    bpp = rd16(b + 28);
    compression = rd32(b + 30);
    colors_used = rd32(b + 46);
    pal_off = 14 + (size_t)dib;
    pal_entry = 4;
    if (compression == 3) {
      const unsigned char *masks = b + 54; /* right after a 40-byte header, or inside V2..V5 */
      if (dib == 40) pal_off += 12;
      if (size < 66) return nq_fail(err, NQ_ERR_FORMAT, "%s: BMP is truncated inside its colour masks", name);
      if (bpp != 32 || rd32(masks) != 0xFF0000u || rd32(masks + 4) != 0xFF00u || rd32(masks + 8) != 0xFFu)
        return nq_fail(err, NQ_ERR_FORMAT,
                       "%s: BMP with colour masks is supported only for 32-bit BGRX "
                       "(R=0xFF0000 G=0xFF00 B=0xFF); this one has %u bits per pixel",
                       name, bpp);
    } else if (compression != 0) {
      return nq_fail(err, NQ_ERR_FORMAT,
                     "%s: compressed BMP (compression %u) is not supported; only uncompressed "
                     "8/24/32-bit",
                     name, compression);
    }
  } else {
    return nq_fail(err, NQ_ERR_FORMAT, "%s: BMP header size %u is not 12 or 40..1024", name, dib);
  }
  if (bpp != 8 && bpp != 24 && bpp != 32)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: BMP with %u bits per pixel is not supported (8, 24 or 32 expected)", name, bpp);
  int top_down = h < 0;
  if (top_down) h = -h; /* h came from an int32, so -h cannot overflow a long */

  /* Palette (8-bit only). */
  uint8_t pal[256][3];
  size_t n_pal = 0;
  int gray = 0;
  if (bpp == 8) {
    n_pal = colors_used ? colors_used : 256;
    if (n_pal > 256)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: BMP palette has %zu colours (at most 256)", name, n_pal);
    if (pal_off > size || n_pal * pal_entry > size - pal_off)
      return nq_fail(err, NQ_ERR_FORMAT, "%s: BMP palette of %zu colours runs past the file end", name,
                     n_pal);
    gray = 1;
    for (size_t i = 0; i < n_pal; i++) {
      const unsigned char *e = b + pal_off + i * pal_entry;
      pal[i][0] = e[2], pal[i][1] = e[1], pal[i][2] = e[0];
      if (e[0] != e[1] || e[1] != e[2]) gray = 0;
    }
  }
  int channels = bpp == 8 && gray ? 1 : 3;
  NQ_TRY(nq_image_alloc(out, w, h, channels, name, err));

  /* Row stride, and the last row must end inside the file (its padding may be missing). */
  size_t row_bits, stride, last_row, need;
  if (!nq_mul_size((size_t)w, bpp, &row_bits) || !nq_add_size(row_bits, 31, &stride))
    return nq_fail(err, NQ_ERR_FORMAT, "%s: BMP row size overflows", name);
  stride = stride / 32 * 4;
  if (!nq_mul_size(stride, (size_t)h - 1, &last_row) ||
      !nq_add_size(last_row, (size_t)w * (bpp / 8), &need) || !nq_add_size(need, pix_off, &need) ||
      need > size)
    return nq_fail(err, NQ_ERR_FORMAT,
                   "%s: BMP pixel data (%ld x %ld, %u bits, at offset %u) runs past the file end "
                   "(%zu bytes)",
                   name, w, h, bpp, pix_off, size);

  for (long y = 0; y < h; y++) {
    const unsigned char *src = b + pix_off + (size_t)(top_down ? y : h - 1 - y) * stride;
    uint8_t *dst = out->data + (size_t)y * (size_t)w * (size_t)channels;
    for (long x = 0; x < w; x++) {
      if (bpp == 8) {
        size_t idx = src[x];
        if (idx >= n_pal)
          return nq_fail(err, NQ_ERR_FORMAT,
                         "%s: BMP pixel (%ld, %ld) uses palette index %zu of a %zu-colour palette", name, x,
                         y, idx, n_pal);
        if (channels == 1) {
          dst[x] = pal[idx][0];
        } else {
          memcpy(dst + 3 * x, pal[idx], 3);
        }
      } else {
        const unsigned char *p = src + (size_t)x * (bpp / 8);
        dst[3 * x + 0] = p[2];
        dst[3 * x + 1] = p[1];
        dst[3 * x + 2] = p[0];
      }
    }
  }
  return NQ_OK;
}
