/* The public face of the data-set reader and sample sources
 * (nq_sample_source_init, nq_data_options_init, nq_dataset_open_input,
 * nq_quantize_floats): what a caller needs to feed convert and compare with
 * the samples the CLI reads, without the internal headers. */
#include <math.h>
#include <string.h>

#include "api/model_internal.h"
#include "calib/dataset.h"
#include "calib/dataset_internal.h"
#include "calib/sample_checks.h"
#include "core/status.h"
#include "quant/qparams.h"

void nq_sample_source_init(nq_sample_source *s) {
  if (!s) return;
  memset(s, 0, sizeof *s);
  s->struct_size = sizeof *s;
}

void nq_data_options_init(nq_data_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
}

nq_status nq_dataset_open_input(const char *path, const nq_model *m, int input, const nq_preprocess *pp,
                                const nq_data_options *opts, nq_dataset **out, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (!out) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_dataset_open_input: out is NULL");
  *out = NULL;
  if (!path || !m || !m->graph)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_dataset_open_input: NULL argument");
  if (opts && opts->struct_size < sizeof(nq_data_options))
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "nq_dataset_open_input: options struct_size %zu, %zu expected (use nq_data_options_init)",
                   opts->struct_size, sizeof(nq_data_options));
  nq_tensor_info ti;
  NQ_TRY(nq_model_input(m, input, &ti, err));
  nq_input_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.name = ti.name;
  spec.rank = ti.rank;
  memcpy(spec.shape, ti.shape, sizeof spec.shape);
  nq_dataset_options dopt;
  memset(&dopt, 0, sizeof dopt);
  if (opts) {
    spec.channels_first = opts->channels_first;
    dopt.max_samples = opts->max_samples;
    dopt.use_seed = opts->use_seed;
    dopt.seed = opts->seed;
  }
  /* Images for a channels-first model (ONNX, Keras channels_first): the
   * layout comes from the model unless the caller said so (issue 13). */
  int from_model = !spec.channels_first && nq_input_channels_first(m->graph, input) == 1;
  if (from_model) spec.channels_first = 1;
  NQ_TRY(nq_dataset_open(path, &spec, pp, &dopt, out, err));
  if (from_model && nq_dataset_has_images(*out))
    ds_note(*out,
            "%s: input '%s' is channels first (NCHW, read from the model): images are laid out [1, C, H, W]",
            path, ti.name ? ti.name : "");
  return NQ_OK;
}

nq_status nq_quantize_floats(const float *src, size_t n, nq_dtype type, float scale, int32_t zero_point,
                             void *dst, nq_error *err) {
  nq_error scratch;
  if (!err) err = &scratch;
  if (type != NQ_INT8 && type != NQ_UINT8)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_quantize_floats: %s; int8 or uint8 expected",
                   nq_dtype_name(type));
  if (!(scale > 0) || !isfinite(scale))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_quantize_floats: scale %g; a finite scale > 0 expected",
                   scale);
  if (n && (!src || !dst)) return nq_fail(err, NQ_ERR_INVALID_ARG, "nq_quantize_floats: NULL buffer");
  nq_quantize_array(src, n, type == NQ_UINT8, scale, zero_point, dst);
  return NQ_OK;
}
