#include "ir/custom_ops.h"

#include <stdio.h>
#include <string.h>

#include "formats/tflite/flexbuffer.h"

bool nq_is_detection_postprocess(const nq_node *n) {
  return n->op == NQ_OP_CUSTOM && n->p.custom_name && strcmp(n->p.custom_name, NQ_DPP_NAME) == 0;
}

static bool get_number(const nq_flex_map *m, const char *key, bool required, double def, double lo, double hi,
                       double *out, char *why, size_t n) {
  bool found;
  const char *bad = nq_flex_map_number(m, key, out, &found);
  if (bad) return snprintf(why, n, "option '%s': %s", key, bad), false;
  if (!found) {
    if (required) return snprintf(why, n, "option '%s' is missing", key), false;
    *out = def;
  }
  if (!(*out >= lo && *out <= hi))
    return snprintf(why, n, "option '%s' is %g; %g to %g expected", key, *out, lo, hi), false;
  return true;
}

bool nq_dpp_parse_options(const uint8_t *opts, size_t size, nq_dpp_options *o, char *why, size_t n) {
  nq_flex_map m;
  const char *bad = nq_flex_root_map(opts, size, &m);
  if (bad)
    return snprintf(why, n, "custom options (%zu bytes) are not a flexbuffer map: %s", size, bad), false;
  double v[11];
  const double big = 1e30;
  if (!get_number(&m, "max_detections", true, 0, 1, NQ_DPP_MAX_DETECTIONS, &v[0], why, n) ||
      !get_number(&m, "max_classes_per_detection", true, 0, 1, NQ_DPP_MAX_DETECTIONS, &v[1], why, n) ||
      !get_number(&m, "detections_per_class", false, 100, 1, NQ_DPP_MAX_DETECTIONS, &v[2], why, n) ||
      !get_number(&m, "num_classes", true, 0, 1, 1 << 20, &v[3], why, n) ||
      !get_number(&m, "use_regular_nms", false, 0, 0, 1, &v[4], why, n) ||
      !get_number(&m, "nms_score_threshold", true, 0, -big, big, &v[5], why, n) ||
      !get_number(&m, "nms_iou_threshold", true, 0, 1e-30, 1, &v[6], why, n) ||
      !get_number(&m, "y_scale", true, 0, 1e-30, big, &v[7], why, n) ||
      !get_number(&m, "x_scale", true, 0, 1e-30, big, &v[8], why, n) ||
      !get_number(&m, "h_scale", true, 0, 1e-30, big, &v[9], why, n) ||
      !get_number(&m, "w_scale", true, 0, 1e-30, big, &v[10], why, n))
    return false;
  o->max_detections = (int)v[0];
  o->max_classes_per_detection = (int)v[1];
  o->detections_per_class = (int)v[2];
  o->num_classes = (int)v[3];
  o->use_regular_nms = v[4] != 0;
  o->score_threshold = (float)v[5];
  o->iou_threshold = (float)v[6];
  o->y_scale = (float)v[7];
  o->x_scale = (float)v[8];
  o->h_scale = (float)v[9];
  o->w_scale = (float)v[10];
  if ((int64_t)o->max_detections * o->max_classes_per_detection > NQ_DPP_MAX_DETECTIONS)
    return snprintf(why, n, "max_detections %d x max_classes_per_detection %d is over %d", o->max_detections,
                    o->max_classes_per_detection, NQ_DPP_MAX_DETECTIONS),
           false;
  return true;
}
