/*
 * Printing the recipe of a conversion (see cli_recipe.h).
 */
#include "cli_recipe.h"

#include <math.h>
#include <string.h>

#include "json_out.h"

int cli_recipe_parse(const char *s, cli_recipe_mode *out) {
  if (strcmp(s, "auto") == 0)
    *out = CLI_RECIPE_AUTO;
  else if (strcmp(s, "tf") == 0)
    *out = CLI_RECIPE_TF;
  else
    return -1;
  return 0;
}

static void print_candidate_row(const nq_recipe_candidate *c, int chosen, FILE *f) {
  char sq[32], t1[32];
  if (isnan(c->sqnr_db))
    snprintf(sq, sizeof sq, "failed");
  else if (isinf(c->sqnr_db))
    snprintf(sq, sizeof sq, "%s", c->sqnr_db > 0 ? "exact" : "-inf");
  else
    snprintf(sq, sizeof sq, "%.2f dB", c->sqnr_db);
  if (c->top1_agree >= 0)
    snprintf(t1, sizeof t1, "%d/%d", c->top1_agree, c->samples);
  else
    snprintf(t1, sizeof t1, "-");
  char acc[32] = "";
  if (c->correct >= 0) /* with labels */
    snprintf(acc, sizeof acc, "  accuracy %d/%d", c->correct, c->samples);
  fprintf(f, "    %s %-28s %10s %11s %8.1f s%s\n", chosen ? "*" : " ", c->name, sq, t1, c->seconds, acc);
}

void cli_recipe_on_candidate(void *user, const nq_recipe_candidate *c) {
  cli_recipe *r = user;
  if (r->progress) {
    fprintf(stderr, "npuquant: recipe candidate %d:", c->index + 1);
    print_candidate_row(c, 0, stderr);
  }
  if (r->n >= CLI_RECIPE_MAX) return;
  r->c[r->n] = *c;
  snprintf(r->names[r->n], sizeof r->names[r->n], "%s", c->name ? c->name : "?");
  r->c[r->n].name = r->names[r->n];
  r->n++;
}

void cli_recipe_finish(cli_recipe *r, const nq_convert_options *o, const nq_convert_stats *st) {
  r->chosen = -1;
  if (r->mode == CLI_RECIPE_AUTO) {
    snprintf(r->name, sizeof r->name, "%s", st->recipe);
    r->seconds = st->seconds_recipe;
    for (int i = 0; i < r->n; i++)
      if (r->c[i].index == st->recipe_chosen) r->chosen = i;
    return;
  }
  if (r->mode == CLI_RECIPE_TF) {
    snprintf(r->name, sizeof r->name, "tf");
    return;
  }
  const char *cal = o->calibration == 3   ? "layerwise"
                    : o->calibration == 2 ? "mse"
                    : o->calibration == 1 ? "percentile"
                                          : "minmax";
  snprintf(r->name, sizeof r->name, "%s%s%s%s", cal, o->equalize ? "+equalize" : "",
           o->weight_round == 2   ? "+adaround"
           : o->weight_round == 1 ? "+clip"
                                  : "",
           o->bias_correct ? "+bias-correct" : "");
}

void cli_recipe_print(const cli_recipe *r, FILE *f) {
  if (r->mode != CLI_RECIPE_AUTO) {
    fprintf(f, "  recipe   %s (%s)\n", r->name,
            r->mode == CLI_RECIPE_TF ? "TensorFlow's min/max, --recipe tf" : "as the flags say");
    return;
  }
  if (r->n == 0) {
    fprintf(f, "  recipe   %s (too few samples to hold some out and choose one: TensorFlow's min/max)\n",
            r->name);
    return;
  }
  fprintf(f,
          "  recipe   %s, chosen automatically in %.1f s: each candidate calibrated on 3/4 of the\n"
          "           samples and judged by its worst output's SQNR on the rest (64 at most each; a later\n"
          "           candidate must be better beyond chance; with --labels, held-out accuracy first; * = "
          "chosen):\n",
          r->name, r->seconds);
  fprintf(f, "      %-28s %10s %11s %10s\n", "candidate", "val. SQNR", "val. top-1", "time");
  for (int i = 0; i < r->n; i++) print_candidate_row(&r->c[i], i == r->chosen, f);
}

void cli_recipe_json(json_out *j, const cli_recipe *r) {
  json_begin_object(j, "recipe");
  json_string(j, "mode", r->mode == CLI_RECIPE_AUTO ? "auto" : r->mode == CLI_RECIPE_TF ? "tf" : "explicit");
  json_string(j, "chosen", r->name);
  if (r->mode == CLI_RECIPE_AUTO) {
    json_float(j, "seconds", r->seconds);
    json_begin_array(j, "candidates");
    for (int i = 0; i < r->n; i++) {
      const nq_recipe_candidate *c = &r->c[i];
      json_begin_object(j, NULL);
      json_string(j, "name", c->name);
      json_bool(j, "chosen", i == r->chosen);
      if (isinf(c->sqnr_db))
        json_string(j, "sqnr_db", c->sqnr_db > 0 ? "inf" : "-inf");
      else
        json_float(j, "sqnr_db", c->sqnr_db);
      if (c->top1_agree >= 0) json_int(j, "top1_agree", c->top1_agree);
      if (c->correct >= 0) json_int(j, "correct", c->correct);
      json_int(j, "samples", c->samples);
      json_float(j, "seconds", c->seconds);
      json_end_object(j);
    }
    json_end_array(j);
  }
  json_end_object(j);
}
