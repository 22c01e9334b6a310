/*
 * Integer BATCH_MATMUL (TFLite batch_matmul.cc int8 path):
 *   out[b, i, j] = MBQM(sum_k (L[b, i, k] - zp_l) * (R[b, k, j] - zp_r), m) + zp_out
 * clamped to the type (no fused activation), with m = s_l * s_r / s_out by
 * GetQuantizedConvolutionMultipler's rule (float product, double divide).
 * L is [..., M, K] ([..., K, M] with adj_x), R is [..., K, N] ([..., N, K]
 * with adj_y); leading batch dims broadcast numpy-style. Both operands may
 * be activations, so everything is read at run time.
 * Always TFLite's double rounding, also in single-rounding mode: XNNPACK does
 * not take int8 BATCH_MATMUL (constant or activation RHS), so LiteRT runs
 * TFLite's own kernel (LiteRT.js: single rounding differed in 21-32 of 6144
 * outputs by a step, double rounding in none; test_transformer_block).
 * Accumulator bound: K terms of at most 255 * 255; K < 33025 is checked so
 * the int32 sum cannot overflow.
 */
#include "exec/int8/int8_kernels.h"

typedef struct bmm_prep {
  int32_t zl, zr, zo;
  nq_qmul m;
} bmm_prep;

nq_status nq_i8_batch_matmul_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  if (a->n_in != 2 || a->n_out != 1)
    return nq_i8_fail(a, err, "%d inputs / %d outputs, 2 / 1 expected", a->n_in, a->n_out);
  NQ_TRY(nq_i8_need_q8(a, &a->in[0], "lhs", err));
  NQ_TRY(nq_i8_need_q8(a, &a->in[1], "rhs", err));
  NQ_TRY(nq_i8_need_q8(a, &a->out[0], "output", err));
  float sl, sr, so;
  bmm_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "lhs", &sl, &p->zl, err));
  NQ_TRY(nq_i8_qparams(a, &a->in[1], "rhs", &sr, &p->zr, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", &so, &p->zo, err));
  if (!nq_quantize_multiplier(nq_conv_scale_legacy(sl, sr, so), &p->m))
    return nq_i8_fail(a, err, "scales cannot be represented");
  return NQ_OK;
}

/* Matrix strides of a batch operand against the output's batch dims. */
static bool batch_strides(const nq_tview *v, const nq_tview *out, int64_t mat, int64_t *st) {
  const int ob = out->rank - 2, vb = v->rank - 2;
  int64_t s = mat;
  for (int d = ob - 1; d >= 0; d--) {
    const int k = d - (ob - vb);
    const int32_t dim = k >= 0 ? v->shape[k] : 1;
    if (dim != 1 && dim != out->shape[d]) return false;
    st[d] = dim == 1 ? 0 : s;
    s *= dim;
  }
  return true;
}

nq_status nq_i8_batch_matmul_run(const nq_kernel_args *a, nq_error *err) {
  const bmm_prep *p = a->prepared;
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const nq_tview *L = &a->in[0], *R = &a->in[1], *out = &a->out[0];
  if (L->rank < 2 || R->rank < 2 || out->rank < 2 || L->rank > out->rank || R->rank > out->rank)
    return nq_i8_fail(a, err, "ranks %d, %d -> %d do not fit a batched matmul", L->rank, R->rank, out->rank);
  const bool ax = a->p->adj_x, ay = a->p->adj_y;
  const int64_t M = L->shape[L->rank - (ax ? 1 : 2)], K = L->shape[L->rank - (ax ? 2 : 1)];
  const int64_t K2 = R->shape[R->rank - (ay ? 1 : 2)], N = R->shape[R->rank - (ay ? 2 : 1)];
  if (K != K2 || out->shape[out->rank - 2] != M || out->shape[out->rank - 1] != N)
    return nq_i8_fail(a, err, "[%lld x %lld] x [%lld x %lld] does not give the output", (long long)M,
                      (long long)K, (long long)K2, (long long)N);
  if (K >= 33025) return nq_i8_fail(a, err, "depth %lld could overflow the accumulator", (long long)K);
  int64_t stl[NQ_MAX_RANK] = {0}, str[NQ_MAX_RANK] = {0};
  if (!batch_strides(L, out, M * K, stl) || !batch_strides(R, out, K * N, str))
    return nq_i8_fail(a, err, "batch dimensions do not broadcast");
  nq_tview bv = {.type = out->type, .rank = out->rank - 2};
  size_t nb = 1;
  for (int d = 0; d < bv.rank; d++) {
    bv.shape[d] = out->shape[d];
    nb *= (size_t)out->shape[d];
  }
  int32_t qmin, qmax;
  nq_i8_type_range(out->type, &qmin, &qmax);
  nq_i8_iter it;
  nq_i8_iter_init(&it, &bv, stl, str);
  size_t o = 0;
  for (size_t b = 0; b < nb; b++, nq_i8_iter_next(&it)) {
    const size_t lb = (size_t)it.off0, rb = (size_t)it.off1;
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++, o++) {
        int32_t acc = 0;
        for (int64_t k = 0; k < K; k++) {
          const size_t li = lb + (size_t)(ax ? k * M + i : i * K + k);
          const size_t ri = rb + (size_t)(ay ? j * K + k : k * N + j);
          acc += (nq_i8_ld(L->data, L->type, li) - p->zl) * (nq_i8_ld(R->data, R->type, ri) - p->zr);
        }
        int32_t v = nq_sat_i32((int64_t)nq_mbqm(acc, p->m, false) + p->zo);
        nq_i8_st(out->data, out->type, o, nq_clamp_i32(v, qmin, qmax));
      }
  }
  return NQ_OK;
}
