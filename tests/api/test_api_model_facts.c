/*
 * Signatures and metadata through the public API (include/npuquant.h only),
 * on TFLM's hello_world model from ../shared: what `inspect` prints and
 * tests/cli/test_inspect_oracle.py checks against the flatbuffers Python
 * reader. Here: the accessors return the same entries and refuse indices out
 * of range with a message. Without ../shared: a committed model written by
 * tests/golden/signatures/make_signature_model.py stands in.
 */
#include <stdlib.h>
#include <string.h>

#include "npuquant.h"
#include "testutil.h"

/* Checks signature output entry k: its name, and that it is the model's output `output`. */
static void check_output_entry(const nq_model *m, int k, const char *name, int output) {
  nq_signature_entry e;
  nq_tensor_info out, t;
  nq_error err;
  CHECKF(nq_model_signature_entry(m, 0, 1, k, &e, &err) == NQ_OK && strcmp(e.name, name) == 0, "entry %d", k);
  CHECK(nq_model_output(m, output, &out, &err) == NQ_OK);
  CHECKF(nq_model_tensor(m, e.tensor, &t, &err) == NQ_OK && strcmp(t.name, out.name) == 0, "entry %d is %s",
         k, t.name);
}

int main(void) {
  /* Without ../shared (CI unset): tests/golden/signatures/two_outputs_signature.tflite,
   * written by make_signature_model.py with python3-flatbuffers: its SignatureDef lists
   * the outputs in the other order than subgraph 0, and it carries two metadata entries. */
  int golden = 0;
  const char *models = nq_test_models_dir(&golden);
  char path[1024];
  if (golden)
    snprintf(path, sizeof path, "%s/tests/golden/signatures/two_outputs_signature.tflite",
             getenv("NQ_SOURCE_DIR"));
  else
    snprintf(path, sizeof path, "%s/tflm-hello_world/hello_world_float.tflite", models);
  const int n_out = golden ? 2 : 1;
  nq_model *m = NULL;
  nq_error err;
  CHECKF(nq_model_load(path, &m, &err) == NQ_OK, "%s", err.msg);
  if (!m) return nq_test_finish("test_api_model_facts");

  CHECK(nq_model_num_signatures(m) == 1);
  nq_signature_info sg;
  CHECKF(nq_model_signature(m, 0, &sg, &err) == NQ_OK, "%s", err.msg);
  CHECK(sg.key && strcmp(sg.key, "serving_default") == 0 && sg.n_inputs == 1 && sg.n_outputs == n_out);
  nq_signature_entry e;
  CHECK(nq_model_signature_entry(m, 0, 0, 0, &e, &err) == NQ_OK && strcmp(e.name, "dense_input") == 0);
  nq_tensor_info in;
  CHECK(nq_model_input(m, 0, &in, &err) == NQ_OK);
  nq_tensor_info t;
  CHECK(nq_model_tensor(m, e.tensor, &t, &err) == NQ_OK && strcmp(t.name, in.name) == 0);
  if (golden) {
    check_output_entry(m, 0, "reg_out", 1);
    check_output_entry(m, 1, "scores_out", 0);
  } else {
    check_output_entry(m, 0, "dense_2", 0);
  }
  CHECK(nq_model_signature_entry(m, 0, 1, n_out, &e, &err) == NQ_ERR_INVALID_ARG);
  CHECKF(strstr(err.msg, golden ? "output 2" : "output 1") != NULL, "%s", err.msg);
  CHECK(nq_model_signature(m, 1, &sg, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "1 signatures"));
  CHECK(nq_model_signature(NULL, 0, &sg, &err) == NQ_ERR_INVALID_ARG);

  CHECK(nq_model_num_metadata(m) == 2);
  nq_metadata_info md;
  CHECK(nq_model_metadata(m, 0, &md, &err) == NQ_OK && strcmp(md.name, "min_runtime_version") == 0 &&
        md.size == 16);
  CHECK(nq_model_metadata(m, 1, &md, &err) == NQ_OK && strcmp(md.name, "CONVERSION_METADATA") == 0);
  CHECK(nq_model_metadata(m, 2, &md, &err) == NQ_ERR_INVALID_ARG && strstr(err.msg, "2 entries"));
  CHECK(nq_model_description(m) &&
        strcmp(nq_model_description(m), golden ? "npuquant signature stand-in" : "MLIR Converted.") == 0);
  nq_model_free(m);
  return nq_test_finish("test_api_model_facts");
}
