/*
 * libFuzzer harness for the TFLite reader: the input bytes are a .tflite
 * file held in memory. Any input must either load (and then pass
 * nq_graph_verify) or fail with a message; the sanitizers catch the rest.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DNQ_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_tflite_reader
 *   build-fuzz/tests/fuzz/fuzz_tflite_reader -dict=tests/fuzz/tflite.dict -max_total_time=120 corpus/
 * ../shared/models/tflm-fuzz-seed-corpus
 */
#include <stdint.h>
#include <stdlib.h>

#include "frontends/tflite/tflite_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A small memory budget: an input asking for gigabytes must be refused by
   * the budget (with a message), not stopped by the fuzzer's RSS limit. */
  nq_set_memory_limit((size_t)256 << 20);
  nq_graph *g = NULL;
  nq_error err;
  err.msg[0] = '\0';
  nq_status s = nq_tflite_read_memory(data, size, "fuzz.tflite", &g, &err);
  if (s == NQ_OK) {
    if (!g || nq_graph_verify(g, &err) != NQ_OK) abort();
  } else if (g || err.msg[0] == '\0' || s == NQ_ERR_INTERNAL) {
    abort();
  }
  nq_graph_free(g);
  return 0;
}
