/* nq_rewrite IN.tflite OUT.tflite: load with nq_model_load and write back
 * with nq_model_save_tflite, for the oracle script test. Exit 0 on success,
 * 3 when the model does not load (the script skips it), 1 when saving fails. */
#include <stdio.h>

#include "npuquant.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s IN.tflite OUT.tflite\n", argv[0]);
    return 2;
  }
  nq_error err;
  nq_model *m = NULL;
  if (nq_model_load(argv[1], &m, &err) != NQ_OK) {
    fprintf(stderr, "not loaded: %s\n", err.msg);
    return 3;
  }
  nq_status s = nq_model_save_tflite(m, argv[2], &err);
  nq_model_free(m);
  if (s != NQ_OK) {
    fprintf(stderr, "save failed: %s\n", err.msg);
    return 1;
  }
  return 0;
}
