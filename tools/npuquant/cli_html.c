/*
 * See cli_html.h. Everything is drawn here as SVG with fixed sizes, so the
 * page looks the same in any browser and needs nothing from the network.
 * Every string from the model (names, labels) goes through html_text:
 * a hostile name must not become markup.
 */
#include "cli_html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_diagnose.h"
#include "cli_recipe.h"

/* The SQNR bar chart's scale: 60 dB fills the bar (int8's ceiling is
 * about 48 dB, so only exact tensors reach it). */
#define HTML_SQNR_FULL_DB 60.0
#define HTML_BAR_WIDTH 560
#define HTML_LABEL_WIDTH 360
#define HTML_ROW 16
#define HTML_SMALL_W 260
#define HTML_SMALL_H 90

static void html_text(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
      case '&':
        fputs("&amp;", f);
        break;
      case '<':
        fputs("&lt;", f);
        break;
      case '>':
        fputs("&gt;", f);
        break;
      case '"':
        fputs("&quot;", f);
        break;
      case '\'':
        fputs("&#39;", f);
        break;
      default:
        fputc(*s, f);
    }
  }
}

/* Shorten a long label for a chart row; the full one goes into <title>. */
static void html_short(FILE *f, const char *s, size_t max) {
  char buf[96];
  size_t n = strlen(s);
  if (max >= sizeof buf) max = sizeof buf - 1;
  if (n <= max) {
    html_text(f, s);
    return;
  }
  /* cut on a UTF-8 boundary */
  size_t cut = max - 3;
  while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  memcpy(buf, s, cut);
  memcpy(buf + cut, "...", 4);
  html_text(f, buf);
}

/* A number as --json prints it (json_float's %.9g; "inf" for exact). */
static void data_value(FILE *f, double v) {
  if (isinf(v))
    fputs(v > 0 ? "inf" : "-inf", f);
  else if (isnan(v))
    fputs("null", f);
  else
    fprintf(f, "%.9g", v);
}

static void db_text(FILE *f, double v) {
  if (isinf(v))
    fputs(v > 0 ? "exact" : "-inf", f);
  else
    fprintf(f, "%.2f dB", v);
}

static const char *sqnr_color(double v) {
  if (!(v >= 20)) return "#c62828";
  if (v < 30) return "#ef8f00";
  return "#2e7d32";
}

static void head(FILE *f, const cli_report *r) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>npuquant ", f);
  html_text(f, r->command);
  fputs(" report: ", f);
  html_text(f, r->float_path ? r->float_path : "");
  fputs(
      "</title>\n<style>\n"
      "body{font-family:sans-serif;margin:24px;color:#222;background:#fff;max-width:1200px}\n"
      "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}\n"
      "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px "
      "8px;text-align:left}\n"
      "td.num{text-align:right;font-variant-numeric:tabular-nums}tr.chosen{background:#e3f2e3;font-weight:"
      "bold}\n"
      ".small{display:inline-block;margin:4px 8px 12px 0;font-size:11px;vertical-align:top}\n"
      ".warn{color:#c62828;font-weight:bold}svg text{font-size:11px;font-family:sans-serif}\n"
      "#worst td{max-width:380px;overflow-wrap:anywhere}\n"
      "</style></head><body>\n",
      f);
}

static void summary(FILE *f, const cli_report *r) {
  fputs("<h1>npuquant ", f);
  html_text(f, r->command);
  fputs(" report</h1>\n<p>float model: <code>", f);
  html_text(f, r->float_path ? r->float_path : "");
  fprintf(f, "</code> (%zu bytes)<br>int8 model: <code>", r->float_bytes);
  html_text(f, r->int8_path ? r->int8_path : "(not written)");
  fprintf(f, "</code> (%zu bytes)</p>\n", r->int8_bytes);
}

/* One row of the outputs table; attr names the SQNR's data attribute. */
static void figures_row(FILE *f, const nq_compare_figures *m, const char *attr) {
  char safe[256];
  fputs("<tr><td>", f);
  html_text(f, cli_printable(m->name, safe, sizeof safe));
  fprintf(f, "</td><td class=\"num%s\" %s=\"", m->sqnr_db >= 20 ? "" : " warn", attr);
  data_value(f, m->sqnr_db);
  fputs("\">", f);
  db_text(f, m->sqnr_db);
  fprintf(f, "</td><td class=\"num\">%.4g</td><td class=\"num\">%.4g</td><td class=\"num\">",
          m->max_abs_error, m->rmse);
  if (m->classifier && m->samples > 0)
    fprintf(f, "%.1f%% (%d/%d)", 100.0 * m->top1_agree / m->samples, m->top1_agree, m->samples);
  else
    fputs("-", f);
  fputs("</td></tr>\n", f);
}

static void outputs_table(FILE *f, const cli_report *r) {
  if (!r->cmp) return;
  fprintf(f,
          "<h2>Outputs: int8 vs float</h2>\n<p>%d%s%.0d %s sample%s, int8 arithmetic in %s rounding.</p>\n"
          "<table id=\"outputs\"><tr><th>output</th><th>SQNR</th><th>max |err|</th><th>RMSE</th>"
          "<th>top-1 agreement</th></tr>\n",
          r->n_samples, r->n_samples_of > r->n_samples ? " of " : "",
          r->n_samples_of > r->n_samples ? r->n_samples_of : 0,
          r->eval_is_calibration ? "calibration" : "evaluation", r->n_samples == 1 ? "" : "s",
          r->single_rounding ? "single" : "double");
  nq_compare_figures m;
  for (int i = 0; i < nq_compare_num_outputs(r->cmp); i++)
    if (nq_compare_output(r->cmp, i, &m, NULL) == NQ_OK) figures_row(f, &m, "data-output-sqnr");
  /* --split-outputs: each part against its slice of the float output */
  for (int i = 0; i < nq_compare_num_parts(r->cmp); i++)
    if (nq_compare_part(r->cmp, i, &m, NULL, NULL) == NQ_OK) figures_row(f, &m, "data-part-sqnr");
  fputs("</table>\n", f);
}

static void recipe_table(FILE *f, const cli_recipe *rc) {
  if (!rc) return;
  fputs("<h2>Recipe</h2>\n<p>Used: <b>", f);
  html_text(f, rc->name);
  fputs("</b>", f);
  if (rc->mode != CLI_RECIPE_AUTO) {
    fputs(rc->mode == CLI_RECIPE_TF ? " (TensorFlow's min/max, <code>--recipe tf</code>)</p>\n"
                                    : " (as the flags say)</p>\n",
          f);
    return;
  }
  fprintf(
      f,
      ", chosen automatically in %.1f s: each candidate calibrated on 3/4 of the samples and judged by the "
      "SQNR of its worst output on the other 1/4.</p>\n<table id=\"recipe\"><tr><th>candidate</th>"
      "<th>validation SQNR</th><th>validation top-1</th><th>time</th></tr>\n",
      rc->seconds);
  for (int i = 0; i < rc->n; i++) {
    const nq_recipe_candidate *c = &rc->c[i];
    fprintf(f, "<tr%s><td>", i == rc->chosen ? " class=\"chosen\"" : "");
    html_text(f, c->name);
    fputs("</td><td class=\"num\" data-candidate-sqnr=\"", f);
    data_value(f, c->sqnr_db);
    fputs("\">", f);
    db_text(f, c->sqnr_db);
    fputs("</td><td class=\"num\">", f);
    if (c->top1_agree >= 0)
      fprintf(f, "%d/%d", c->top1_agree, c->samples);
    else
      fputs("-", f);
    fprintf(f, "</td><td class=\"num\">%.1f s</td></tr>\n", c->seconds);
  }
  fputs("</table>\n", f);
}

static void layer_bars(FILE *f, const cli_diagnosis *d) {
  fprintf(
      f,
      "<h2>Per-layer SQNR</h2>\n<p>SQNR of each layer's int8 output against the float model's tensor of the "
      "same name, %d samples (bar: 0 to %.0f dB; red below 20 dB, orange below 30 dB).</p>\n",
      d->n_samples, HTML_SQNR_FULL_DB);
  int h = HTML_ROW * (d->n_all > 0 ? d->n_all : 1) + 24;
  int w = HTML_LABEL_WIDTH + HTML_BAR_WIDTH + 80;
  fprintf(f, "<svg id=\"layer-sqnr\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n", w,
          h);
  for (int k = 0; k <= 6; k++) {
    double x = HTML_LABEL_WIDTH + HTML_BAR_WIDTH * k / 6.0;
    fprintf(f, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>", x, x, h - 14);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", x, h - 2,
            (int)(HTML_SQNR_FULL_DB * k / 6));
  }
  for (int i = 0; i < d->n_all; i++) {
    const cli_diag_layer *l = &d->all[i];
    double v = l->sqnr_out_db;
    double frac = isinf(v) ? (v > 0 ? 1.0 : 0.0) : v / HTML_SQNR_FULL_DB;
    if (!(frac > 0)) frac = 0;
    if (frac > 1) frac = 1;
    int y = i * HTML_ROW;
    fprintf(f, "<g class=\"layer\" data-node=\"%d\" data-value=\"", l->node);
    data_value(f, v);
    fputs("\"><title>", f);
    html_text(f, l->label);
    fputs(": ", f);
    db_text(f, v);
    fprintf(f, "</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\">", HTML_LABEL_WIDTH - 6, y + 12);
    html_short(f, l->label, 56);
    fprintf(f, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", HTML_LABEL_WIDTH,
            y + 2, frac * HTML_BAR_WIDTH, HTML_ROW - 4, sqnr_color(v));
    fprintf(f, "<text x=\"%.1f\" y=\"%d\">", HTML_LABEL_WIDTH + frac * HTML_BAR_WIDTH + 4, y + 12);
    db_text(f, v);
    fputs("</text></g>\n", f);
  }
  fputs("</svg>\n", f);
}

static void worst_table(FILE *f, const cli_diagnosis *d) {
  fputs("<h2>Worst layers</h2>\n", f);
  if (d->n_layers == 0) {
    fputs("<p>No layer adds measurable error.</p>\n", f);
    return;
  }
  fputs(
      "<table id=\"worst\"><tr><th>#</th><th>layer</th><th>SQNR in</th><th>SQNR out</th><th>likely cause</th>"
      "<th>what to try</th></tr>\n",
      f);
  for (int k = 0; k < d->n_layers; k++) {
    const cli_diag_layer *l = &d->worst[k];
    fprintf(f, "<tr><td>%d</td><td>", k + 1);
    html_text(f, l->label);
    fputs("</td><td class=\"num\">", f);
    db_text(f, l->sqnr_in_db);
    fputs("</td><td class=\"num\">", f);
    db_text(f, l->sqnr_out_db);
    fputs("</td><td>", f);
    html_text(f, l->cause);
    fputs("</td><td>", f);
    html_text(f, l->suggestion);
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
}

static void histograms(FILE *f, const cli_diagnosis *d) {
  if (d->n_hist == 0) return;
  fputs(
      "<h2>Activation histograms</h2>\n<p>The int8 codes each activation takes on the sampled runs (height: "
      "square root of the count). The axis spans the float range calibration chose; the blue line is "
      "zero.</p>\n",
      f);
  for (int k = 0; k < d->n_hist; k++) {
    const cli_diag_hist *h = &d->hist[k];
    double peak = 0;
    for (int c = 0; c < 256; c++)
      if (h->count[c] > peak) peak = h->count[c];
    double lo = ((double)-128 - h->zero_point) * h->scale, hi = ((double)127 - h->zero_point) * h->scale;
    fputs("<div class=\"small\"><div>", f);
    html_short(f, h->name, 44);
    fprintf(f,
            "</div><svg class=\"hist\" data-tensor=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\"><title>",
            h->tensor, HTML_SMALL_W, HTML_SMALL_H + 14);
    html_text(f, h->name);
    fprintf(f, ": range %.4g .. %.4g (scale %.4g, zero point %d)</title>", lo, hi, h->scale, h->zero_point);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f6f6f6\"/>", HTML_SMALL_W,
            HTML_SMALL_H);
    double bw = (double)HTML_SMALL_W / 256;
    for (int c = 0; c < 256; c++) {
      if (h->count[c] <= 0) continue;
      double bh = peak > 0 ? sqrt(h->count[c] / peak) * (HTML_SMALL_H - 4) : 0;
      fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"#455a9c\"/>", c * bw,
              HTML_SMALL_H - bh, bw > 1.2 ? bw - 0.2 : bw, bh);
    }
    double zx = (h->zero_point + 128) * bw;
    fprintf(f, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#1e88e5\"/>", zx, zx, HTML_SMALL_H);
    fprintf(f,
            "<text x=\"0\" y=\"%d\">%.3g</text><text x=\"%d\" y=\"%d\" "
            "text-anchor=\"end\">%.3g</text></svg></div>\n",
            HTML_SMALL_H + 12, lo, HTML_SMALL_W, HTML_SMALL_H + 12, hi);
  }
}

static void weight_ranges(FILE *f, const cli_diagnosis *d) {
  if (d->n_weights == 0) return;
  fputs(
      "<h2>Weight range per channel</h2>\n<p>max |w| of each output channel of each weight tensor "
      "(per-tensor "
      "weights share one scale: narrow channels beside a wide one lose their precision).</p>\n",
      f);
  for (int k = 0; k < d->n_weights; k++) {
    const cli_diag_weights *w = &d->weights[k];
    double peak = 0;
    for (int c = 0; c < w->n_channels; c++)
      if (w->range[c] > peak) peak = w->range[c];
    fputs("<div class=\"small\"><div>", f);
    html_short(f, w->label, 44);
    fprintf(f,
            " (%d ch, %s)</div><svg class=\"weights\" data-node=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%d\" height=\"%d\"><title>",
            w->n_channels, w->per_channel ? "per channel" : "per tensor", w->node, HTML_SMALL_W,
            HTML_SMALL_H + 14);
    html_text(f, w->label);
    fprintf(f, ": max |w| per channel up to %.4g</title>", peak);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#f6f6f6\"/>", HTML_SMALL_W,
            HTML_SMALL_H);
    double bw = (double)HTML_SMALL_W / (w->n_channels > 0 ? w->n_channels : 1);
    for (int c = 0; c < w->n_channels; c++) {
      double bh = peak > 0 ? w->range[c] / peak * (HTML_SMALL_H - 4) : 0;
      fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>", c * bw,
              HTML_SMALL_H - bh, bw > 1.2 ? bw - 0.2 : bw, bh, w->per_channel ? "#2e7d32" : "#ef8f00");
    }
    fprintf(f, "<text x=\"0\" y=\"%d\">0 .. %.3g</text></svg></div>\n", HTML_SMALL_H + 12, peak);
  }
}

static void npu_section(FILE *f, const cli_report *r) {
  if (!r->npu_target || !r->int8_model) return;
  nq_npu_result *res = NULL;
  nq_error err = {0};
  fputs("<h2>NPU</h2>\n", f);
  if (nq_npu_check_model(r->int8_model, r->npu_target, &res, &err) != NQ_OK) {
    fputs("<p>", f);
    html_text(f, err.msg);
    fputs("</p>\n", f);
    return;
  }
  int n_nodes = nq_npu_result_num_nodes(res), n_fallback = nq_npu_result_num_fallback(res);
  fputs("<p id=\"npu\">", f);
  html_text(f, nq_npu_result_target(res));
  fprintf(f, ": <b>%d of %d</b> nodes run on the NPU.</p>\n", n_nodes - n_fallback, n_nodes);
  int n = nq_npu_result_num_findings(res);
  if (n > 0) fputs("<ul>\n", f);
  for (int i = 0; i < n; i++) {
    nq_npu_finding_info x;
    if (nq_npu_result_finding(res, i, &x, &err) != NQ_OK) continue;
    char lb[256], lbp[256], why[512];
    fputs(x.cpu_fallback ? "<li class=\"warn\">" : "<li>", f);
    html_text(f, x.node >= 0 ? cli_printable(nq_model_node_label(r->int8_model, x.node, lb, sizeof lb), lbp,
                                             sizeof lbp)
                             : "note");
    fputs(": ", f);
    html_text(f, cli_printable(x.reason, why, sizeof why));
    fputs("</li>\n", f);
  }
  if (n > 0) fputs("</ul>\n", f);
  nq_npu_result_free(res);
}

nq_status cli_html_write(const cli_report *r, const char *path, nq_error *err) {
  /* Built in memory, then written as the model is (nq_write_file_atomic):
   * complete or absent, never over an input, its temporary file removed
   * if a signal stops the process. */
  char *page = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&page, &size);
  if (!f) return nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory for the report", path);
  head(f, r);
  summary(f, r);
  outputs_table(f, r);
  recipe_table(f, r->recipe);
  if (r->diagnosis) {
    layer_bars(f, r->diagnosis);
    worst_table(f, r->diagnosis);
    histograms(f, r->diagnosis);
    weight_ranges(f, r->diagnosis);
  }
  npu_section(f, r);
  fputs(
      "<p style=\"color:#888;font-size:11px\">Written by npuquant; self-contained, no scripts.</p>\n"
      "</body></html>\n",
      f);
  int bad = ferror(f);
  if (fclose(f) != 0) bad = 1;
  nq_status st = bad ? nq_fail(err, NQ_ERR_NOMEM, "%s: out of memory for the report", path)
                     : nq_write_file_atomic(path, page, size, NULL, err);
  free(page);
  return st;
}
