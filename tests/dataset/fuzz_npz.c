/*
 * libFuzzer harness for the .npz reader (ZIP directory, stored/deflate
 * members, then the .npy parser). The reader works on paths, so each input is
 * written to a per-process temporary file first.
 * Build with -DNQ_FUZZ=ON and clang, then: ./fuzz_npz corpus/  (seed: small np.savez files)
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "io/npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/nq_fuzz_npz_%ld.npz", (long)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  nq_error err = {0};
  nq_npz *z;
  if (nq_npz_open(path, &z, &err) == NQ_OK) {
    for (int i = 0; i < nq_npz_count(z); i++) {
      nq_array a;
      if (nq_npz_read_array(z, i, &a, &err) == NQ_OK) nq_array_free(&a);
    }
    nq_npz_close(z);
  }
  return 0;
}
