/*
 * A small streaming JSON writer for `--json` outputs.
 *
 * Values are written as they come, with commas placed automatically; each
 * call takes the key (inside an object) or NULL (inside an array / at the
 * top). Strings are escaped (quotes, backslashes, control characters) and
 * bytes that are not valid UTF-8 become U+FFFD so the output is always valid
 * JSON. Floats are printed with %.9g, enough digits for a float32 to
 * round-trip exactly; NaN and infinities (not JSON) become null.
 */
#ifndef NQ_CLI_JSON_OUT_H
#define NQ_CLI_JSON_OUT_H

#include <stdio.h>

#define JSON_MAX_DEPTH 32

typedef struct json_out {
  FILE *f;
  int depth;
  int count[JSON_MAX_DEPTH]; /* values written so far at each level */
} json_out;

void json_init(json_out *j, FILE *f);
void json_begin_object(json_out *j, const char *key);
void json_end_object(json_out *j);
void json_begin_array(json_out *j, const char *key);
void json_end_array(json_out *j);
void json_string(json_out *j, const char *key, const char *v); /* NULL -> null */
void json_int(json_out *j, const char *key, long long v);
void json_float(json_out *j, const char *key, double v);
void json_bool(json_out *j, const char *key, int v);
/* End the document with a newline. */
void json_finish(json_out *j);

#endif
