/*
 * libFuzzer harness for everything after loading: the input bytes are a
 * .tflite file; when it loads, it is described (inspect), reported on for
 * every NPU target, and run once (session create, inputs filled from the
 * input's own bytes, run) in the rounding mode its last byte picks. Every
 * call must end in NQ_OK or a clean error (not NQ_ERR_INTERNAL, a message);
 * the sanitizers catch the rest. Built with the fuzz harnesses
 * (-DNQ_FUZZ=ON, clang); the reader, IR, executors and NPU report are
 * compiled into it with coverage. Seed it with the shared models:
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DNQ_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_tflite_run
 *   build-fuzz/tests/hostile/fuzz_tflite_run -max_len=400000 -rss_limit_mb=3000 corpus/ seeds/
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_internal.h"
#include "frontends/tflite/tflite_reader.h"
#include "hostile_budget.h"
#include "report/npu.h"

/* Models that need more than this are described, not run (hostile_budget.h). */
#define RUN_BUDGET_BYTES ((size_t)64 << 20)
#define RUN_BUDGET_MACS 50e6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must_be_clean(nq_status s, const nq_error *e) {
  if (s != NQ_OK && (s < 0 || s >= NQ_STATUS_COUNT || s == NQ_ERR_INTERNAL || e->msg[0] == '\0')) abort();
}

static void run_once(const nq_model *m, const uint8_t *data, size_t size) {
  nq_session_options so = {.num_threads = 1,
                           .single_rounding = size ? data[size - 1] & 1 : 0,
                           .reference_only = size ? (data[size - 1] >> 1) & 1 : 0};
  nq_session *s = NULL;
  nq_error e = {0};
  nq_status st = nq_session_create(m, &so, &s, &e);
  must_be_clean(st, &e);
  if (st != NQ_OK) return;
  for (int i = 0; i < nq_model_num_inputs(m); i++) {
    nq_tensor_info ti;
    must_be_clean(st = nq_model_input(m, i, &ti, &e), &e);
    if (st != NQ_OK || ti.is_constant) continue;
    uint8_t *buf = malloc(ti.nbytes ? ti.nbytes : 1);
    if (!buf) break;
    for (size_t k = 0; k < ti.nbytes; k++) buf[k] = data[k % size]; /* the input's bytes: NaNs and all */
    must_be_clean(nq_session_set_input(s, i, buf, ti.nbytes, &e), &e);
    free(buf);
  }
  must_be_clean(nq_session_run(s, &e), &e);
  nq_session_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nq_graph *g = NULL;
  nq_error e = {0};
  nq_status st = nq_tflite_read_memory(data, size, "fuzz.tflite", &g, &e);
  must_be_clean(st, &e);
  if (st != NQ_OK) return 0;
  nq_model m = {.graph = g, .path = NULL};
  nq_tensor_info ti;
  for (int i = 0; i < nq_model_num_tensors(&m); i++) must_be_clean(nq_model_tensor(&m, i, &ti, &e), &e);
  static const char *targets[] = {"imx8mp", "ethos-u", "edgetpu"};
  for (int k = 0; k < 3; k++) {
    nq_npu_report rep;
    must_be_clean(nq_npu_check(g, targets[k], &rep, &e), &e);
    nq_npu_report_free(&rep);
  }
  if (hostile_activation_bytes(g) <= RUN_BUDGET_BYTES && hostile_work_estimate(g) <= RUN_BUDGET_MACS)
    run_once(&m, data, size);
  nq_graph_free(g);
  return 0;
}
