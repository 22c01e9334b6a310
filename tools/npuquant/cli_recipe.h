/*
 * `convert --recipe`: which recipe a conversion used and, for the automatic
 * choice, the table of candidates it tried (collected from the library's
 * per-candidate callback, printed with the report, text or JSON).
 */
#ifndef NQ_CLI_RECIPE_H
#define NQ_CLI_RECIPE_H

#include <stdio.h>

#include "npuquant.h"

struct json_out;

#define CLI_RECIPE_MAX 32

typedef enum cli_recipe_mode {
  CLI_RECIPE_AUTO = 0,
  CLI_RECIPE_TF = 1,
  CLI_RECIPE_EXPLICIT = 2
} cli_recipe_mode;

typedef struct cli_recipe {
  cli_recipe_mode mode;
  int progress; /* 1: a stderr line per candidate as it is measured */
  int n;
  nq_recipe_candidate c[CLI_RECIPE_MAX];
  char names[CLI_RECIPE_MAX][48];
  int chosen;     /* index into c, -1 when not automatic */
  char name[64];  /* the recipe used, as --recipe would spell it */
  double seconds; /* the whole search */
} cli_recipe;

/* Parse --recipe's argument: "auto" or "tf"; -1 otherwise. */
int cli_recipe_parse(const char *s, cli_recipe_mode *out);
/* nq_convert_options.recipe_candidate for a cli_recipe (user). */
void cli_recipe_on_candidate(void *user, const nq_recipe_candidate *c);
/* Fill name/chosen/seconds after the conversion (o: the options used). */
void cli_recipe_finish(cli_recipe *r, const nq_convert_options *o, const nq_convert_stats *st);
void cli_recipe_print(const cli_recipe *r, FILE *f);
/* The recipe as a JSON object member "recipe". */
void cli_recipe_json(struct json_out *j, const cli_recipe *r);

#endif
