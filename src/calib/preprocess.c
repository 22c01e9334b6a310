/* Image -> float tensor; the steps and formulas are documented in preprocess.h. */
#include "calib/preprocess.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib/image_resize.h"
#include "core/checked.h"
#include "core/status.h"

void nq_preprocess_default(nq_preprocess *pp) {
  memset(pp, 0, sizeof *pp);
  pp->resize = NQ_RESIZE_STRETCH;
  pp->antialias = 1;
  pp->color = NQ_COLOR_AUTO;
  pp->norm = NQ_NORM_NONE;
  for (int c = 0; c < NQ_PP_MAX_CHANNELS; c++) pp->std[c] = 1.0f;
  pp->scale = 1.0f;
}

nq_status nq_preprocess_set_range(nq_preprocess *pp, const char *range, nq_error *err) {
  if (strcmp(range, "0..255") == 0) {
    pp->norm = NQ_NORM_NONE;
  } else if (strcmp(range, "0..1") == 0) {
    pp->norm = NQ_NORM_SCALE_OFFSET;
    pp->scale = 1.0f / 255.0f;
    pp->offset = 0.0f;
  } else if (strcmp(range, "-1..1") == 0) {
    pp->norm = NQ_NORM_SCALE_OFFSET;
    pp->scale = 2.0f / 255.0f;
    pp->offset = -1.0f;
  } else {
    return nq_fail(err, NQ_ERR_INVALID_ARG,
                   "range '%s' is not one of 0..255, 0..1, -1..1 (use mean/std or scale/offset "
                   "for others)",
                   range);
  }
  return NQ_OK;
}

nq_status nq_parse_float_list(const char *s, const char *what, float *out, int max, int *n, nq_error *err) {
  int count = 0;
  const char *p = s;
  while (1) {
    if (count == max) return nq_fail(err, NQ_ERR_INVALID_ARG, "%s '%s': more than %d values", what, s, max);
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno != 0 || !isfinite(v) || fabs(v) > 3.0e38)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s '%s': '%s' is not a finite number", what, s, p);
    out[count++] = (float)v;
    if (*end == '\0') break;
    if (*end != ',') return nq_fail(err, NQ_ERR_INVALID_ARG, "%s '%s': expected ',' between values", what, s);
    p = end + 1;
  }
  if (count == 1)
    for (int i = 1; i < max; i++) out[i] = out[0];
  *n = count;
  return NQ_OK;
}

nq_status nq_preprocess_set(nq_preprocess *pp, const char *key, const char *value, nq_error *err) {
  int n;
  if (strcmp(key, "resize") == 0) {
    if (strcmp(value, "stretch") == 0)
      pp->resize = NQ_RESIZE_STRETCH;
    else if (strcmp(value, "crop") == 0)
      pp->resize = NQ_RESIZE_CROP;
    else
      return nq_fail(err, NQ_ERR_INVALID_ARG, "resize '%s': expected stretch or crop", value);
  } else if (strcmp(key, "color") == 0) {
    static const char *const names[] = {"auto", "rgb", "bgr", "gray"};
    int found = -1;
    for (int i = 0; i < 4; i++)
      if (strcmp(value, names[i]) == 0) found = i;
    if (found < 0)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "color '%s': expected auto, rgb, bgr or gray", value);
    pp->color = (nq_color)found;
  } else if (strcmp(key, "antialias") == 0) {
    if (strcmp(value, "on") == 0)
      pp->antialias = 1;
    else if (strcmp(value, "off") == 0)
      pp->antialias = 0;
    else
      return nq_fail(err, NQ_ERR_INVALID_ARG, "antialias '%s': expected on or off", value);
  } else if (strcmp(key, "range") == 0) {
    if (pp->norm == NQ_NORM_MEAN_STD)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "range '%s' cannot be combined with mean/std", value);
    return nq_preprocess_set_range(pp, value, err);
  } else if (strcmp(key, "mean") == 0 || strcmp(key, "std") == 0) {
    if (pp->norm == NQ_NORM_SCALE_OFFSET)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s cannot be combined with scale/offset or a range", key);
    NQ_TRY(nq_parse_float_list(value, key, key[0] == 'm' ? pp->mean : pp->std, NQ_PP_MAX_CHANNELS, &n, err));
    pp->norm = NQ_NORM_MEAN_STD;
  } else if (strcmp(key, "scale") == 0 || strcmp(key, "offset") == 0) {
    if (pp->norm == NQ_NORM_MEAN_STD)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "%s cannot be combined with mean/std", key);
    float v[1];
    NQ_TRY(nq_parse_float_list(value, key, v, 1, &n, err));
    if (key[1] == 'c')
      pp->scale = v[0];
    else
      pp->offset = v[0];
    pp->norm = NQ_NORM_SCALE_OFFSET;
  } else {
    return nq_fail(err, NQ_ERR_INVALID_ARG, "unknown preprocessing option '%s'", key);
  }
  return NQ_OK;
}

void nq_preprocess_affine(const nq_preprocess *pp, int channel, float *a, float *b) {
  int c = channel < 0 ? 0 : channel >= NQ_PP_MAX_CHANNELS ? NQ_PP_MAX_CHANNELS - 1 : channel;
  switch (pp->norm) {
    case NQ_NORM_MEAN_STD:
      *a = 1.0f / pp->std[c];
      *b = -pp->mean[c] / pp->std[c];
      break;
    case NQ_NORM_SCALE_OFFSET:
      *a = pp->scale;
      *b = pp->offset;
      break;
    default:
      *a = 1.0f;
      *b = 0.0f;
      break;
  }
}

static nq_color resolve_color(nq_color c, int channels) {
  if (c != NQ_COLOR_AUTO) return c;
  return channels == 1 ? NQ_COLOR_GRAY : NQ_COLOR_RGB;
}

nq_status nq_preprocess_check(const nq_preprocess *pp, int channels, const char *what, nq_error *err) {
  if (channels != 1 && channels != 3)
    return nq_fail(err, NQ_ERR_SHAPE,
                   "%s has %d channels; images give 1 (gray) or 3 (rgb/bgr): feed .npy data "
                   "instead",
                   what, channels);
  nq_color col = resolve_color(pp->color, channels);
  if ((col == NQ_COLOR_GRAY) != (channels == 1))
    return nq_fail(err, NQ_ERR_INVALID_ARG, "%s has %d channel(s) but the colour option is %s", what,
                   channels,
                   col == NQ_COLOR_GRAY  ? "gray"
                   : col == NQ_COLOR_BGR ? "bgr"
                                         : "rgb");
  if (pp->resize != NQ_RESIZE_STRETCH && pp->resize != NQ_RESIZE_CROP)
    return nq_fail(err, NQ_ERR_INVALID_ARG, "unknown resize mode %d", (int)pp->resize);
  if (pp->norm == NQ_NORM_MEAN_STD) {
    if (pp->n_mean > 1 && pp->n_mean != channels)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "--mean gives %d values but %s has %d channel(s): give 1 or %d",
                     pp->n_mean, what, channels, channels);
    if (pp->n_std > 1 && pp->n_std != channels)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "--std gives %d values but %s has %d channel(s): give 1 or %d",
                     pp->n_std, what, channels, channels);
    for (int c = 0; c < channels; c++)
      if (!isfinite(pp->mean[c]) || !isfinite(pp->std[c]) || pp->std[c] == 0.0f)
        return nq_fail(err, NQ_ERR_INVALID_ARG,
                       "mean/std for channel %d are %g/%g: need finite values and std != 0", c,
                       (double)pp->mean[c], (double)pp->std[c]);
  } else if (pp->norm == NQ_NORM_SCALE_OFFSET) {
    if (!isfinite(pp->scale) || !isfinite(pp->offset) || pp->scale == 0.0f)
      return nq_fail(err, NQ_ERR_INVALID_ARG, "scale/offset %g/%g: need finite values, scale != 0",
                     (double)pp->scale, (double)pp->offset);
  } else if (pp->norm != NQ_NORM_NONE) {
    return nq_fail(err, NQ_ERR_INVALID_ARG, "unknown normalisation %d", (int)pp->norm);
  }
  return NQ_OK;
}

/* One source row to float in the output colour order. */
static void convert_row(const uint8_t *src, int width, int src_ch, nq_color col, float *dst) {
  for (int x = 0; x < width; x++) {
    const uint8_t *p = src + (size_t)x * (size_t)src_ch;
    if (col == NQ_COLOR_GRAY) {
      dst[x] = src_ch == 1 ? (float)p[0] : 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    } else {
      float r = p[0], g = src_ch == 1 ? p[0] : p[1], b = src_ch == 1 ? p[0] : p[2];
      float *d = dst + 3 * (size_t)x;
      d[0] = col == NQ_COLOR_BGR ? b : r;
      d[1] = g;
      d[2] = col == NQ_COLOR_BGR ? r : b;
    }
  }
}

nq_status nq_preprocess_image(const nq_image *img, const nq_preprocess *pp, int height, int width,
                              int channels, int channels_first, float *dst, const char *name, nq_error *err) {
  nq_status s = nq_preprocess_check(pp, channels, "the model input", err);
  if (s != NQ_OK) return nq_prefix(err, "%s: ", name);
  if (height <= 0 || width <= 0)
    return nq_fail(err, NQ_ERR_SHAPE, "%s: model input is %d x %d", name, height, width);
  nq_color col = resolve_color(pp->color, channels);

  /* The virtual resized size and the window of it we keep. */
  int new_w = width, new_h = height;
  if (pp->resize == NQ_RESIZE_CROP) {
    double sc = fmax((double)height / img->height, (double)width / img->width);
    double nw = round(img->width * sc), nh = round(img->height * sc);
    new_w = nw < width ? width : nw > 1e9 ? width : (int)nw;
    new_h = nh < height ? height : nh > 1e9 ? height : (int)nh;
  }
  int off_x = (new_w - width) / 2, off_y = (new_h - height) / 2;

  nq_filter fx = {0}, fy = {0};
  float *row = NULL, *tmp = NULL, *hwc = NULL;
  size_t out_row = (size_t)width * (size_t)channels, n_out;
  s = nq_filter_build(img->width, new_w, off_x, width, pp->antialias, &fx, err);
  if (s == NQ_OK) s = nq_filter_build(img->height, new_h, off_y, height, pp->antialias, &fy, err);
  if (s != NQ_OK) {
    nq_filter_free(&fx);
    return nq_prefix(err, "%s: ", name);
  }
  /* Only the source rows some output row reads. */
  int y_lo = fy.start[0], y_hi = fy.start[height - 1] + fy.taps[height - 1];
  size_t n_rows = (size_t)(y_hi - y_lo);
  if (!nq_mul_size((size_t)height, out_row, &n_out)) s = NQ_ERR_NOMEM;
  if (s == NQ_OK) {
    row = malloc((size_t)img->width * (size_t)channels * sizeof *row);
    tmp = malloc(n_rows * out_row * sizeof *tmp);
    hwc = malloc(n_out * sizeof *hwc);
    if (!row || !tmp || !hwc) s = NQ_ERR_NOMEM;
  }
  if (s != NQ_OK) {
    free(row), free(tmp), free(hwc);
    nq_filter_free(&fx), nq_filter_free(&fy);
    return nq_fail(err, NQ_ERR_NOMEM, "%s: cannot allocate buffers to resize %dx%d to %dx%d", name,
                   img->width, img->height, width, height);
  }
  for (int y = y_lo; y < y_hi; y++) {
    convert_row(img->data + (size_t)y * (size_t)img->width * (size_t)img->channels, img->width, img->channels,
                col, row);
    nq_filter_row(&fx, row, channels, tmp + (size_t)(y - y_lo) * out_row);
  }
  for (int y = 0; y < height; y++) {
    const float *wy = fy.weight + (size_t)y * (size_t)fy.max_taps;
    const float *t0 = tmp + (size_t)(fy.start[y] - y_lo) * out_row;
    float *d = hwc + (size_t)y * out_row;
    for (size_t i = 0; i < out_row; i++) {
      float acc = 0.0f;
      for (int j = 0; j < fy.taps[y]; j++) acc += wy[j] * t0[(size_t)j * out_row + i];
      d[i] = acc;
    }
  }
  /* Values, and the layout. */
  float a[NQ_PP_MAX_CHANNELS], b[NQ_PP_MAX_CHANNELS];
  for (int c = 0; c < channels; c++) nq_preprocess_affine(pp, c, &a[c], &b[c]);
  size_t plane = (size_t)height * (size_t)width;
  for (size_t p = 0; p < plane; p++)
    for (int c = 0; c < channels; c++) {
      float v = hwc[p * (size_t)channels + (size_t)c];
      if (pp->norm == NQ_NORM_MEAN_STD)
        v = (v - pp->mean[c]) / pp->std[c];
      else
        v = v * a[c] + b[c];
      dst[channels_first ? (size_t)c * plane + p : p * (size_t)channels + (size_t)c] = v;
    }
  free(row), free(tmp), free(hwc);
  nq_filter_free(&fx), nq_filter_free(&fy);
  return NQ_OK;
}
