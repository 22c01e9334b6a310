/*
 * The comparison and logical kernels (src/exec/float/compare_ref.c,
 * src/exec/int8/compare_s8.c) on hand-computed cases:
 *   - float: broadcasting [2, 3] against [3], IEEE NaN (every comparison
 *     false but NOT_EQUAL), -0 == +0; int32 and int64 beyond 2^53 (no
 *     rounding through double); bool EQUAL;
 *   - int8: operands of different scales and zero points compared by real
 *     value in both rounding modes: 0.5 * (3 - 0) against 0.25 * (6 - 0) is
 *     equal, against 0.25 * (7 - 0) less; uint8 likewise;
 *   - LOGICAL_AND / OR / NOT, broadcast, any nonzero byte as true;
 *   - refusals that name the node: float against int32, a float32 output,
 *     an 8-bit input scale of 1 or more (TFLite needs a multiplier below 1),
 *     LESS on bools, LOGICAL_AND on float.
 */
#include <math.h>
#include <string.h>

#include "exec/float/ref.h"
#include "exec/int8/int8.h"
#include "testutil.h"

typedef struct opnd {
  nq_tview v;
  nq_quant q;
  float s;
  int64_t z;
} opnd;

static void mk(opnd *o, nq_dtype t, int rank, const int32_t *shape, void *data) {
  memset(o, 0, sizeof *o);
  o->v.type = t;
  o->v.rank = rank;
  for (int i = 0; i < rank; i++) o->v.shape[i] = shape[i];
  o->v.data = data;
}

static void quant(opnd *o, float s, int64_t z) {
  o->s = s;
  o->z = z;
  o->q.n = 1;
  o->q.scale = &o->s;
  o->q.zero_point = &o->z;
  o->v.q = &o->q;
}

static nq_status run(const nq_kernel *tab, nq_op op, opnd *in, int n_in, opnd *out, int single,
                     nq_error *err) {
  nq_node node;
  memset(&node, 0, sizeof node);
  node.op = op;
  node.p = nq_op_params_default();
  nq_tview views[2];
  for (int i = 0; i < n_in; i++) views[i] = in[i].v;
  nq_kernel_args a;
  memset(&a, 0, sizeof a);
  a.node = &node;
  a.node_index = 7;
  a.p = &node.p;
  a.n_in = n_in;
  a.in = views;
  a.n_out = 1;
  a.out = &out->v;
  a.single_rounding = single;
  const nq_kernel *k = &tab[op];
  void *prep = NULL;
  memset(err, 0, sizeof *err);
  nq_status st = k->prepare ? k->prepare(&a, &prep, err) : NQ_OK;
  if (st == NQ_OK) {
    a.prepared = prep;
    st = k->run(&a, err);
  }
  free(prep);
  return st;
}

static void expect(const char *what, const uint8_t *got, const uint8_t *want, int n) {
  for (int i = 0; i < n; i++)
    CHECKF(got[i] == want[i], "%s: element %d is %d, %d expected", what, i, got[i], want[i]);
}

static void float_cases(void) {
  nq_error err;
  float x[6] = {1.0f, 2.0f, NAN, -0.0f, 5.0f, -1.0f}, y[3] = {2.0f, 2.0f, 1.0f};
  opnd in[2], out;
  uint8_t r[6];
  mk(&in[0], NQ_FLOAT32, 2, (int32_t[]){2, 3}, x);
  mk(&in[1], NQ_FLOAT32, 1, (int32_t[]){3}, y);
  mk(&out, NQ_BOOL, 2, (int32_t[]){2, 3}, r);
  /* pairs: (1,2) (2,2) (NaN,1) (-0,2) (5,2) (-1,1) */
  static const struct {
    nq_op op;
    uint8_t want[6];
  } cases[] = {
      {NQ_OP_LESS, {1, 0, 0, 1, 0, 1}},    {NQ_OP_LESS_EQUAL, {1, 1, 0, 1, 0, 1}},
      {NQ_OP_GREATER, {0, 0, 0, 0, 1, 0}}, {NQ_OP_GREATER_EQUAL, {0, 1, 0, 0, 1, 0}},
      {NQ_OP_EQUAL, {0, 1, 0, 0, 0, 0}},   {NQ_OP_NOT_EQUAL, {1, 0, 1, 1, 1, 1}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK(run(nq_float_kernels_ref, cases[i].op, in, 2, &out, 0, &err) == NQ_OK);
    expect(nq_op_name(cases[i].op), r, cases[i].want, 6);
  }
  float z[2] = {-0.0f, 0.0f};
  uint8_t rz[1];
  mk(&in[0], NQ_FLOAT32, 1, (int32_t[]){1}, &z[0]);
  mk(&in[1], NQ_FLOAT32, 1, (int32_t[]){1}, &z[1]);
  mk(&out, NQ_BOOL, 1, (int32_t[]){1}, rz);
  CHECK(run(nq_float_kernels_ref, NQ_OP_EQUAL, in, 2, &out, 0, &err) == NQ_OK && rz[0] == 1);

  /* int64 beyond 2^53: a double would make these equal */
  int64_t a64[2] = {((int64_t)1 << 60) + 1, -5}, b64[2] = {(int64_t)1 << 60, -5};
  uint8_t r2[2];
  mk(&in[0], NQ_INT64, 1, (int32_t[]){2}, a64);
  mk(&in[1], NQ_INT64, 1, (int32_t[]){2}, b64);
  mk(&out, NQ_BOOL, 1, (int32_t[]){2}, r2);
  CHECK(run(nq_float_kernels_ref, NQ_OP_GREATER, in, 2, &out, 0, &err) == NQ_OK);
  expect("GREATER int64", r2, (uint8_t[]){1, 0}, 2);
  int32_t a32[2] = {INT32_MIN, 7}, b32[1] = {7};
  mk(&in[0], NQ_INT32, 1, (int32_t[]){2}, a32);
  mk(&in[1], NQ_INT32, 1, (int32_t[]){1}, b32);
  CHECK(run(nq_float_kernels_ref, NQ_OP_LESS_EQUAL, in, 2, &out, 0, &err) == NQ_OK);
  expect("LESS_EQUAL int32", r2, (uint8_t[]){1, 1}, 2);
  uint8_t ba[2] = {2, 0}, bb[2] = {1, 1}; /* 2 is true too */
  mk(&in[0], NQ_BOOL, 1, (int32_t[]){2}, ba);
  mk(&in[1], NQ_BOOL, 1, (int32_t[]){2}, bb);
  CHECK(run(nq_float_kernels_ref, NQ_OP_EQUAL, in, 2, &out, 0, &err) == NQ_OK);
  expect("EQUAL bool", r2, (uint8_t[]){1, 0}, 2);

  /* refusals */
  CHECK(run(nq_float_kernels_ref, NQ_OP_LESS, in, 2, &out, 0, &err) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(err.msg, "LESS") && strstr(err.msg, "bool"), "LESS on bools: %s", err.msg);
  mk(&in[0], NQ_FLOAT32, 1, (int32_t[]){2}, x);
  mk(&in[1], NQ_INT32, 1, (int32_t[]){1}, b32);
  CHECK(run(nq_float_kernels_ref, NQ_OP_GREATER, in, 2, &out, 0, &err) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(err.msg, "node 7") && strstr(err.msg, "GREATER") && strstr(err.msg, "one type"),
         "float vs int32: %s", err.msg);
  float fo[2];
  mk(&in[1], NQ_FLOAT32, 1, (int32_t[]){2}, y);
  mk(&out, NQ_FLOAT32, 1, (int32_t[]){2}, fo);
  CHECK(run(nq_float_kernels_ref, NQ_OP_EQUAL, in, 2, &out, 0, &err) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(err.msg, "bool output"), "float32 output: %s", err.msg);
}

static void int8_cases(void) {
  nq_error err;
  for (int single = 0; single <= 1; single++) {
    /* x: 0.5 * q; y: 0.25 * q, y broadcast over x's rows */
    int8_t x[4] = {3, 3, -2, 100}, y[2] = {6, 7};
    opnd in[2], out;
    uint8_t r[4];
    mk(&in[0], NQ_INT8, 2, (int32_t[]){2, 2}, x);
    mk(&in[1], NQ_INT8, 1, (int32_t[]){2}, y);
    quant(&in[0], 0.5f, 0);
    quant(&in[1], 0.25f, 0);
    mk(&out, NQ_BOOL, 2, (int32_t[]){2, 2}, r);
    /* pairs (1.5, 1.5) (1.5, 1.75) (-1, 1.5) (50, 1.75) */
    CHECK(run(nq_int8_kernels, NQ_OP_EQUAL, in, 2, &out, single, &err) == NQ_OK);
    expect(single ? "EQUAL int8 single" : "EQUAL int8 double", r, (uint8_t[]){1, 0, 0, 0}, 4);
    CHECK(run(nq_int8_kernels, NQ_OP_LESS, in, 2, &out, single, &err) == NQ_OK);
    expect("LESS int8", r, (uint8_t[]){0, 1, 1, 0}, 4);
    CHECK(run(nq_int8_kernels, NQ_OP_GREATER_EQUAL, in, 2, &out, single, &err) == NQ_OK);
    expect("GREATER_EQUAL int8", r, (uint8_t[]){1, 0, 0, 1}, 4);
    /* zero points: 0.1 * (q - 10) against 0.2 * (q - 5): (30 -> 2.0) vs (15 -> 2.0) */
    uint8_t ux[2] = {30, 31}, uy[1] = {15};
    mk(&in[0], NQ_UINT8, 1, (int32_t[]){2}, ux);
    mk(&in[1], NQ_UINT8, 1, (int32_t[]){1}, uy);
    quant(&in[0], 0.1f, 10);
    quant(&in[1], 0.2f, 5);
    mk(&out, NQ_BOOL, 1, (int32_t[]){2}, r);
    CHECKF(run(nq_int8_kernels, NQ_OP_NOT_EQUAL, in, 2, &out, single, &err) == NQ_OK, "%s", err.msg);
    expect("NOT_EQUAL uint8", r, (uint8_t[]){0, 1}, 2);
    CHECK(run(nq_int8_kernels, NQ_OP_LESS_EQUAL, in, 2, &out, single, &err) == NQ_OK);
    expect("LESS_EQUAL uint8", r, (uint8_t[]){1, 0}, 2);
    /* a scale of 1 or more cannot take TFLite's multiplier below 1 */
    mk(&in[0], NQ_INT8, 1, (int32_t[]){2}, x);
    mk(&in[1], NQ_INT8, 1, (int32_t[]){2}, y);
    quant(&in[0], 1.5f, 0);
    quant(&in[1], 0.25f, 0);
    CHECK(run(nq_int8_kernels, NQ_OP_GREATER, in, 2, &out, single, &err) == NQ_ERR_UNSUPPORTED ||
          err.code != NQ_OK);
    CHECKF(strstr(err.msg, "node 7") && strstr(err.msg, "input 0 scale 1.5"), "scale 1.5: %s", err.msg);
  }
  /* int32 operands in an int8 graph: compared as they are */
  int32_t a[2] = {4, 9}, b[2] = {9, 9};
  opnd in[2], out;
  uint8_t r[2];
  mk(&in[0], NQ_INT32, 1, (int32_t[]){2}, a);
  mk(&in[1], NQ_INT32, 1, (int32_t[]){2}, b);
  mk(&out, NQ_BOOL, 1, (int32_t[]){2}, r);
  CHECK(run(nq_int8_kernels, NQ_OP_LESS, in, 2, &out, 0, &err) == NQ_OK);
  expect("LESS int32 in the int8 table", r, (uint8_t[]){1, 0}, 2);
}

static void logical_cases(void) {
  nq_error err;
  uint8_t p[4] = {0, 3, 1, 0}, q[2] = {1, 0}, r[4];
  opnd in[2], out;
  mk(&in[0], NQ_BOOL, 2, (int32_t[]){2, 2}, p);
  mk(&in[1], NQ_BOOL, 1, (int32_t[]){2}, q);
  mk(&out, NQ_BOOL, 2, (int32_t[]){2, 2}, r);
  CHECK(run(nq_float_kernels_ref, NQ_OP_LOGICAL_AND, in, 2, &out, 0, &err) == NQ_OK);
  expect("LOGICAL_AND", r, (uint8_t[]){0, 0, 1, 0}, 4);
  CHECK(run(nq_int8_kernels, NQ_OP_LOGICAL_OR, in, 2, &out, 0, &err) == NQ_OK);
  expect("LOGICAL_OR", r, (uint8_t[]){1, 1, 1, 0}, 4);
  CHECK(run(nq_float_kernels_ref, NQ_OP_LOGICAL_NOT, in, 1, &out, 0, &err) == NQ_OK);
  expect("LOGICAL_NOT", r, (uint8_t[]){1, 0, 0, 1}, 4);
  float f[4] = {0};
  mk(&in[0], NQ_FLOAT32, 2, (int32_t[]){2, 2}, f);
  CHECK(run(nq_float_kernels_ref, NQ_OP_LOGICAL_AND, in, 2, &out, 0, &err) == NQ_ERR_UNSUPPORTED);
  CHECKF(strstr(err.msg, "LOGICAL_AND") && strstr(err.msg, "bool inputs"), "LOGICAL_AND on float: %s",
         err.msg);
}

int main(void) {
  float_cases();
  int8_cases();
  logical_cases();
  return nq_test_finish("test_compare_kernels");
}
