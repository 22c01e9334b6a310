/*
 * libFuzzer harness for the image decoders (JPEG via libjpeg, PNG via libpng,
 * our BMP reader), dispatched by nq_image_decode_mem exactly as for files.
 * Build with -DNQ_FUZZ=ON and clang, then e.g.:
 *   ./fuzz_image_decode -max_len=65536 corpus/   (seed corpus: a few small images)
 */
#include <stddef.h>
#include <stdint.h>

#include "calib/image_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nq_error err = {0};
  nq_image img;
  if (nq_image_decode_mem(data, size, "fuzz", &img, &err) == NQ_OK) nq_image_free(&img);
  return 0;
}
