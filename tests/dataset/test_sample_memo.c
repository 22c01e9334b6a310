/* The in-memory sample source (calib/sample_memo.h): the same values as the
 * source it keeps, forwarding when it does not fit, the source's error on a
 * sample that fails, and nothing left taken from the memory budget. */
#include <string.h>

#include "calib/sample_memo.h"
#include "core/budget.h"
#include "core/status.h"
#include "ir/graph.h"
#include "testutil.h"

typedef struct counting {
  int fills;
  int fail_at; /* this sample fails (-1: none) */
} counting;

/* Value of element e of input i of sample k: distinct everywhere. */
static float value(int k, int i, size_t e) {
  return (float)k * 1000.0f + (float)i * 100.0f + (float)e * 0.5f;
}

static nq_status fill(void *ctx, int k, int i, float *dst, size_t n, nq_error *err) {
  counting *c = ctx;
  c->fills++;
  if (k == c->fail_at) return nq_fail(err, NQ_ERR_FORMAT, "sample %d is broken", k);
  for (size_t e = 0; e < n; e++) dst[e] = value(k, i, e);
  return NQ_OK;
}

static const char *name(void *ctx, int k) {
  (void)ctx;
  return k == 1 ? "one.npy" : "other.npy";
}

int main(void) {
  nq_error err;
  nq_graph *g = nq_graph_new();
  int32_t s1[2] = {1, 6}, s2[3] = {1, 2, 3};
  int in[2] = {nq_graph_add_tensor(g, "a", NQ_FLOAT32, 2, s1, &err),
               nq_graph_add_tensor(g, "b", NQ_FLOAT32, 3, s2, &err)};
  CHECK(nq_graph_set_io(g, 2, in, 1, in, &err) == NQ_OK);
  counting c = {0, -1};
  nq_sample_source src;
  nq_sample_source_init(&src);
  src.n_samples = 5;
  src.fill = fill;
  src.name = name;
  src.ctx = &c;
  const size_t before = nq_budget_used();

  nq_sample_memo m;
  CHECK(nq_sample_memo_init(&m, &src, g, NQ_SAMPLE_MEMO_BYTES, &err) == NQ_OK);
  CHECK(m.values != NULL);
  CHECKF(c.fills == 10, "each input of each sample filled once, %d fills", c.fills);
  float buf[6];
  bool same = true;
  for (int round = 0; round < 3; round++)
    for (int k = 0; k < 5; k++)
      for (int i = 0; i < 2; i++) {
        CHECK(m.src.fill(m.src.ctx, k, i, buf, 6, &err) == NQ_OK);
        for (size_t e = 0; e < 6; e++) same = same && buf[e] == value(k, i, e);
      }
  CHECKF(same, "the memo gives the source's values");
  CHECKF(c.fills == 10, "reading the memo does not call the source (%d fills)", c.fills);
  CHECK(strcmp(m.src.name(m.src.ctx, 1), "one.npy") == 0);
  CHECK(m.src.fill(m.src.ctx, 5, 0, buf, 6, &err) == NQ_ERR_INTERNAL); /* out of range: refused */
  CHECK(m.src.fill(m.src.ctx, 0, 0, buf, 5, &err) == NQ_ERR_INTERNAL); /* wrong size */
  CHECK(nq_budget_used() == before + 5 * 12 * sizeof(float));
  nq_sample_memo_free(&m);
  CHECK(nq_budget_used() == before);

  /* too big for max_bytes: forwards, values still right */
  c.fills = 0;
  CHECK(nq_sample_memo_init(&m, &src, g, 16, &err) == NQ_OK);
  CHECK(m.values == NULL && c.fills == 0);
  CHECK(m.src.fill(m.src.ctx, 3, 1, buf, 6, &err) == NQ_OK && buf[5] == value(3, 1, 5) && c.fills == 1);
  nq_sample_memo_free(&m);

  /* a sample that fails: its error, nothing kept */
  c.fail_at = 2;
  CHECK(nq_sample_memo_init(&m, &src, g, NQ_SAMPLE_MEMO_BYTES, &err) == NQ_ERR_FORMAT);
  CHECKF(strstr(err.msg, "sample 2 is broken") != NULL, "the source's message: %s", err.msg);
  CHECK(m.values == NULL && nq_budget_used() == before);
  nq_sample_memo_free(&m);
  nq_graph_free(g);
  return nq_test_finish("test_sample_memo");
}
