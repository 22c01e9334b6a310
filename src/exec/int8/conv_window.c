/* Window geometry of the integer convolutions; see conv_window.h. */
#include "exec/int8/conv_window.h"

nq_status nq_i8_window_get(const nq_kernel_args *a, bool depthwise, nq_i8_window *g, nq_error *err) {
  const nq_tview *in = &a->in[0], *w = &a->in[1], *out = &a->out[0];
  NQ_TRY(nq_i8_check_rank4(a, in, "input", err));
  NQ_TRY(nq_i8_check_rank4(a, w, "weights", err));
  NQ_TRY(nq_i8_check_rank4(a, out, "output", err));
  *g = (nq_i8_window){.n = in->shape[0],
                      .h = in->shape[1],
                      .w = in->shape[2],
                      .c = in->shape[3],
                      .kh = w->shape[1],
                      .kw = w->shape[2],
                      .oh = out->shape[1],
                      .ow = out->shape[2],
                      .sh = a->p->stride_h,
                      .sw = a->p->stride_w,
                      .dh = a->p->dilation_h > 0 ? a->p->dilation_h : 1,
                      .dw = a->p->dilation_w > 0 ? a->p->dilation_w : 1,
                      .groups = 1,
                      .mult = 1};
  if (depthwise) {
    g->o = w->shape[3];
    g->ci = 1;
    if (out->shape[0] != g->n || out->shape[3] != g->o || g->c < 1 || g->o % g->c != 0)
      return nq_i8_fail(a, err, "input channels %d, weight channels %d, output channels %d do not match",
                        g->c, g->o, out->shape[3]);
    g->mult = g->o / g->c;
  } else {
    g->o = w->shape[0];
    g->ci = w->shape[3];
    if (out->shape[0] != g->n || out->shape[3] != g->o || g->ci < 1 || g->c < g->ci || g->c % g->ci != 0 ||
        g->o % (g->c / g->ci) != 0)
      return nq_i8_fail(a, err,
                        "shapes input [%d,%d,%d,%d], weights [%d,%d,%d,%d], output "
                        "[%d,%d,%d,%d] do not match",
                        g->n, g->h, g->w, g->c, g->o, g->kh, g->kw, g->ci, out->shape[0], g->oh, g->ow,
                        out->shape[3]);
    g->groups = g->c / g->ci;
  }
  NQ_TRY(nq_i8_check_window(a, "height", g->h, g->oh, g->sh, g->dh, g->kh, err));
  NQ_TRY(nq_i8_check_window(a, "width", g->w, g->ow, g->sw, g->dw, g->kw, err));
  g->ph = nq_i8_pad_before(g->h, g->oh, g->sh, g->dh, g->kh);
  g->pw = nq_i8_pad_before(g->w, g->ow, g->sw, g->dw, g->kw);
  return NQ_OK;
}
