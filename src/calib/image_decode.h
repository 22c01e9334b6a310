/*
 * Decoding calibration images (JPEG, PNG, BMP) into 8-bit pixels.
 *
 * Every decoder produces the same thing: an nq_image of interleaved uint8
 * pixels, row-major, top row first, with 1 channel (gray) or 3 (R, G, B).
 * Alpha is dropped (not composited), 16-bit PNG samples keep their high byte,
 * palettes are expanded (a BMP palette whose entries are all gray gives a
 * 1-channel image). Colour conversion to what a model wants happens later,
 * in preprocess.c.
 *
 * The format is detected from the first bytes, never from the file name:
 *   JPEG  FF D8 FF            (libjpeg / libjpeg-turbo)
 *   PNG   89 'PNG' 0D 0A 1A 0A (libpng)
 *   BMP   'BM'                (image_bmp.c, our own reader)
 *
 * Images are hostile input: width * height is bounded by NQ_IMAGE_MAX_PIXELS
 * before any pixel buffer is allocated, libjpeg/libpng errors come back
 * through setjmp/longjmp as an nq_status (their default handlers would call
 * exit() or print), and a truncated JPEG is an error rather than the gray
 * fill libjpeg would silently produce.
 */
#ifndef NQ_CALIB_IMAGE_DECODE_H
#define NQ_CALIB_IMAGE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "npuquant.h"

/* 2^28 pixels (16384 x 16384): far above any calibration image, low enough
 * that 3 bytes per pixel stays well inside a 64-bit address space. */
#define NQ_IMAGE_MAX_PIXELS ((size_t)1 << 28)
/* Files larger than this are refused before reading (1 GiB). */
#define NQ_IMAGE_MAX_FILE_BYTES ((size_t)1 << 30)

typedef struct nq_image {
  int width, height;
  int channels;  /* 1 (gray) or 3 (RGB) */
  uint8_t *data; /* width * height * channels bytes, owned */
} nq_image;

typedef enum nq_image_format {
  NQ_IMAGE_UNKNOWN = 0,
  NQ_IMAGE_JPEG = 1,
  NQ_IMAGE_PNG = 2,
  NQ_IMAGE_BMP = 3
} nq_image_format;

/* The format the first bytes announce (NQ_IMAGE_UNKNOWN if none). */
nq_image_format nq_image_sniff(const void *buf, size_t size);
const char *nq_image_format_name(nq_image_format f);

/* Decode an image held in memory. `name` is used in messages. On failure
 * *out is left zeroed. */
nq_status nq_image_decode_mem(const void *buf, size_t size, const char *name, nq_image *out, nq_error *err);
/* Read and decode an image file. */
nq_status nq_image_load(const char *path, nq_image *out, nq_error *err);
void nq_image_free(nq_image *img);

/* The individual decoders (called by nq_image_decode_mem after sniffing). */
nq_status nq_image_decode_jpeg(const void *buf, size_t size, const char *name, nq_image *out, nq_error *err);
nq_status nq_image_decode_png(const void *buf, size_t size, const char *name, nq_image *out, nq_error *err);
nq_status nq_image_decode_bmp(const void *buf, size_t size, const char *name, nq_image *out, nq_error *err);

/* Check the size limits and allocate out->data for w x h x c pixels. */
nq_status nq_image_alloc(nq_image *out, long w, long h, int c, const char *name, nq_error *err);

/* Read a whole file into a malloc'd buffer, refusing files above max_bytes. */
nq_status nq_read_whole_file(const char *path, size_t max_bytes, unsigned char **buf, size_t *size,
                             nq_error *err);

#endif
