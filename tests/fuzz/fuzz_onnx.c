/*
 * libFuzzer harness for the ONNX reader and translator: the input bytes are
 * an .onnx file held in memory (its folder does not exist, so external data
 * can never be read). Any input must either load (and then pass
 * nq_graph_verify) or fail with a message; the sanitizers catch the rest.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DNQ_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_onnx
 *   build-fuzz/tests/fuzz/fuzz_onnx -dict=tests/fuzz/onnx.dict -max_total_time=120 corpus/ examples/fashion/
 * \
 *       ../shared/models/ort-examples-onnx
 */
#include <stdint.h>
#include <stdlib.h>

#include "frontends/onnx/onnx_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A small memory budget: an input asking for gigabytes must be refused by
   * the budget (with a message), not stopped by the fuzzer's RSS limit. */
  nq_set_memory_limit((size_t)256 << 20);
  nq_graph *g = NULL;
  nq_error err;
  err.msg[0] = '\0';
  nq_load_options opts = {0};
  opts.input_shapes = "1x3x32x32"; /* fixes a single input's dynamic dims */
  nq_status s = nq_onnx_load_memory(data, size, "/nonexistent-nq-fuzz/fuzz.onnx", &opts, &g, &err);
  if (s == NQ_OK) {
    if (!g || nq_graph_verify(g, &err) != NQ_OK) abort();
  } else if (g || err.msg[0] == '\0' || s == NQ_ERR_INTERNAL) {
    abort();
  }
  nq_graph_free(g);
  return 0;
}
