/*
 * SOFTMAX on int16 activations (TFLite's 16x8 mode): reference_ops::
 * SoftmaxInt16 with the two 513-entry tables of activations.cc's
 * SoftmaxPrepare, all written from TFLite's published formulas.
 *
 * Prepare: input zero point 0, output scale 1/32768 zero point 0;
 * m = double(float(s_in * beta)) / (10 / 65535) quantized (QuantizeMultiplier),
 * so that an input difference of -65535 steps reads exp(-10). The tables
 * (LUTPopulate<int16>, float arithmetic): exp on input scale 10/65535, zero
 * point 32767 (inputs [-10, 0]), and 1/(1 + x) on input scale 1/65535, zero
 * point -32768 (x in [0, 1]); both on output scale 2/65535. 512 steps; each
 * entry is round(f(x_i) * 65536 / (out_max - out_min)) minus half the
 * rounded error of linear interpolation at the step's midpoint, clamped to
 * int16; entry 512 is f(x_max), scaled and rounded.
 * Lookup (lut_lookup_with_interpolation): index 256 + (v >> 7), offset
 * v & 127, base + ((slope * offset + 64) >> 7).
 * Per row: d = MBQM(x - max, m) + 32767 saturated to int16, e = exp table
 * at d; S = sum e (Q16.15); h = clz(S); x' = ((S << (h - 1)) + 2^13) >> 14
 * recentred by -(2^15 + 2^16) and saturated; r = 1/(1+x) table at x';
 * out = clamp((e * r + 2^(30 - h)) >> (31 - h), 0, 32767).
 * MBQM is TFLite's default (double-rounding) one in both of our modes:
 * XNNPACK takes no int16 op.
 */
#include "exec/int8/int8_kernels.h"

#include <math.h>

typedef struct s16_softmax_prep {
  nq_qmul m;
  int16_t exp_lut[513];
  int16_t recip_lut[513];
} s16_softmax_prep;

static float lut_exp(float v) { return expf(v); }
static float lut_recip(float v) { return 1.0f / (1.0f + v); }

void nq_s16_lut_populate(float in_scale, int32_t in_zp, float out_scale, int32_t out_zp, float (*f)(float),
                         int16_t lut[513]) {
  const float in_min = in_scale * (float)(INT16_MIN - in_zp), in_max = in_scale * (float)(INT16_MAX - in_zp);
  const float out_min = out_scale * (float)(INT16_MIN - out_zp),
              out_max = out_scale * (float)(INT16_MAX - out_zp);
  const int steps = 512;
  const float step = (in_max - in_min) / (float)steps, half = step / 2.0f;
  const float inv = 65536.0f / (out_max - out_min);
  for (int i = 0; i < steps; i++) {
    const float x = in_min + (float)i * step;
    const float val = f(x), mid = f(x + half), next = f(in_min + (float)(i + 1) * step);
    const float sample = roundf(val * inv);
    const float mid_interp = roundf((next * inv + roundf(val * inv)) / 2.0f);
    const float mid_val = roundf(mid * inv);
    const float bias = roundf((mid_interp - mid_val) / 2.0f);
    float v = sample - bias;
    v = v < -32768.0f ? -32768.0f : v > 32767.0f ? 32767.0f : v;
    lut[i] = (int16_t)v;
  }
  float last = roundf(f(in_max) * inv);
  last = last < -32768.0f ? -32768.0f : last > 32767.0f ? 32767.0f : last;
  lut[steps] = (int16_t)last;
}

int16_t nq_s16_lut_lookup(int16_t v, const int16_t lut[513]) {
  const int idx = 256 + (v >> 7); /* arithmetic shift: v in int16 gives [0, 511] */
  const int off = v & 0x7f;
  const int16_t base = lut[idx];
  const int16_t slope = (int16_t)(lut[idx + 1] - lut[idx]);
  const int delta = (slope * off + 64) >> 7;
  return (int16_t)(base + delta);
}

nq_status nq_s16_symmetric_io(const nq_kernel_args *a, float *s_in, float *s_out, nq_error *err) {
  if (a->n_in < 1 || a->n_out < 1 || !a->in[0].data || !a->out[0].data)
    return nq_i8_fail(a, err, "input or output is missing");
  if (a->in[0].type != NQ_INT16 || a->out[0].type != NQ_INT16)
    return nq_i8_fail(a, err, "input %s / output %s, int16 both expected (16x8 node)",
                      nq_dtype_name(a->in[0].type), nq_dtype_name(a->out[0].type));
  int32_t zp_in, zp_out;
  NQ_TRY(nq_i8_qparams(a, &a->in[0], "input", s_in, &zp_in, err));
  NQ_TRY(nq_i8_qparams(a, &a->out[0], "output", s_out, &zp_out, err));
  if (zp_in != 0 || zp_out != 0)
    return nq_i8_fail(a, err, "int16 zero points %d -> %d, 0 expected (symmetric)", (int)zp_in, (int)zp_out);
  return NQ_OK;
}

nq_status nq_s16_softmax_prepare(const nq_kernel_args *a, void **prepared, nq_error *err) {
  *prepared = NULL;
  float s_in, s_out;
  NQ_TRY(nq_s16_symmetric_io(a, &s_in, &s_out, err));
  if (fabsf(s_out - 1.0f / 32768.0f) > 0.001f / 65536.0f)
    return nq_i8_fail(a, err, "output scale %g, 1/32768 expected (TFLite's int16 SOFTMAX)", (double)s_out);
  s16_softmax_prep *p;
  NQ_TRY(nq_i8_alloc_prepared(a, sizeof *p, (void **)&p, err));
  *prepared = p;
  volatile float sb = s_in * a->p->beta;
  const double m = (double)sb / (10.0 / 65535.0);
  if (!nq_quantize_multiplier(m, &p->m))
    return nq_i8_fail(a, err, "input scale %g with beta %g cannot be represented", (double)s_in,
                      (double)a->p->beta);
  const float range = 65535.0f;
  nq_s16_lut_populate(10.0f / range, INT16_MAX, 2.0f / range, 0, lut_exp, p->exp_lut);
  nq_s16_lut_populate(1.0f / range, INT16_MIN, 2.0f / range, 0, lut_recip, p->recip_lut);
  return NQ_OK;
}

static int clz32(uint32_t v) {
  int n = 0;
  if (!v) return 32;
  while (!(v & 0x80000000u)) {
    v <<= 1;
    n++;
  }
  return n;
}

nq_status nq_s16_softmax_run(const nq_kernel_args *a, nq_error *err) {
  const s16_softmax_prep *p = a->prepared;
  const nq_tview *in = &a->in[0], *out = &a->out[0];
  if (!p) return nq_i8_fail(a, err, "not prepared");
  const size_t n = nq_tview_elems(in);
  if (in->rank < 1 || nq_tview_elems(out) != n) return nq_i8_fail(a, err, "input and output sizes differ");
  const size_t depth = (size_t)in->shape[in->rank - 1];
  /* A row sums at most depth values below 2^15 in an int32 (TFLite's). */
  if (depth < 1 || depth > 65535) return nq_i8_fail(a, err, "last dimension %zu, 1 to 65535 expected", depth);
  const int16_t *x = in->data;
  int16_t *y = out->data;
  for (size_t r = 0; r < n / depth; r++) {
    const int16_t *xr = x + r * depth;
    int16_t *yr = y + r * depth;
    int16_t mx = INT16_MIN;
    for (size_t c = 0; c < depth; c++) mx = xr[c] > mx ? xr[c] : mx;
    int32_t sum = 0;
    for (size_t c = 0; c < depth; c++) {
      const int32_t d = nq_mbqm_double((int32_t)xr[c] - mx, p->m) + 32767;
      yr[c] = nq_s16_lut_lookup((int16_t)nq_clamp_i32(d, INT16_MIN, INT16_MAX), p->exp_lut);
      sum += yr[c];
    }
    /* The row's maximum alone adds about 2^15 (exp(0)), so 1 <= h <= 17;
     * the bound keeps the shifts below defined whatever the tables hold. */
    int h = clz32((uint32_t)sum);
    if (h < 1) h = 1;
    if (h > 30) h = 30;
    const int32_t shifted = (int32_t)((((int64_t)sum << (h - 1)) + (1 << 13)) >> 14);
    const int32_t sym = nq_clamp_i32(shifted - ((1 << 15) + (1 << 16)), INT16_MIN, INT16_MAX);
    const int16_t recip = nq_s16_lut_lookup((int16_t)sym, p->recip_lut);
    const int rs = 31 - h;
    for (size_t c = 0; c < depth; c++) {
      const int64_t v = ((int64_t)yr[c] * recip + ((int64_t)1 << (rs - 1))) >> rs;
      yr[c] = (int16_t)(v < 0 ? 0 : v > 32767 ? 32767 : v);
    }
  }
  return NQ_OK;
}
