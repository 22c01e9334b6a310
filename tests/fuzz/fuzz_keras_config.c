/*
 * libFuzzer harness for the Keras frontend's JSON config path: the input is
 * a model config (what a .h5's model_config attribute or a .keras
 * config.json holds); it is parsed and translated with no weights (layers
 * that need weights fail cleanly). Any crash, sanitizer report or leak is a
 * bug. Build with -DNQ_FUZZ=ON and clang, then e.g.
 *   ./fuzz_keras_config -max_len=65536 -dict=tests/fuzz/keras_config.dict corpus/
 * A good seed corpus: the model_config of the .h5 files in ../shared/models
 * (h5dump -a model_config, or h5py) and config.json of .keras archives.
 */
#include <stddef.h>
#include <stdint.h>

#include "frontends/keras/keras_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A small memory budget: an input asking for gigabytes must be refused by
   * the budget (with a message), not stopped by the fuzzer's RSS limit. */
  nq_set_memory_limit((size_t)256 << 20);
  nq_graph *g = NULL;
  nq_error err = {0};
  if (kr_load_config_only("fuzz.json", (const char *)data, size, &g, &err) == NQ_OK) nq_graph_free(g);
  return 0;
}
