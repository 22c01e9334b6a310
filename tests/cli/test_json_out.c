/* The CLI's JSON writer: commas and nesting, string escaping (quotes,
 * backslashes, control characters, invalid UTF-8 -> U+FFFD), floats that
 * round-trip a float32 exactly, and null for NaN/inf. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "testutil.h"

/* Run `emit` into a temp file and return what it wrote (malloc'd). */
static char *capture(void (*emit)(json_out *)) {
  FILE *f = tmpfile();
  if (!f) return NULL;
  json_out j;
  json_init(&j, f);
  emit(&j);
  long n = ftell(f);
  rewind(f);
  char *s = calloc((size_t)n + 1, 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) s[0] = '\0';
  fclose(f);
  return s;
}

static void emit_nested(json_out *j) {
  json_begin_object(j, NULL);
  json_string(j, "a", "x");
  json_begin_array(j, "b");
  json_int(j, NULL, 1);
  json_int(j, NULL, -2);
  json_begin_object(j, NULL);
  json_end_object(j);
  json_begin_array(j, NULL);
  json_end_array(j);
  json_end_array(j);
  json_bool(j, "c", 1);
  json_string(j, "d", NULL);
  json_float(j, "e", NAN);
  json_float(j, "f", INFINITY);
  json_float(j, "g", 0.5);
  json_end_object(j);
  json_finish(j);
}

static void emit_strings(json_out *j) {
  json_begin_array(j, NULL);
  json_string(j, NULL, "q\"b\\s/");
  json_string(j, NULL, "\n\t\r\b\f\x01\x1f\x0b");
  json_string(j, NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"); /* é € 😀 stay */
  json_string(
      j, NULL,
      "\xff\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80|\xe2\x82"); /* 10 bad bytes, then a cut-off sequence: 2 */
  json_end_array(j);
}

static void test_layout(void) {
  char *s = capture(emit_nested);
  CHECKF(
      s && strcmp(
               s,
               "{\"a\":\"x\",\"b\":[1,-2,{},[]],\"c\":true,\"d\":null,\"e\":null,\"f\":null,\"g\":0.5}\n") ==
               0,
      "%s", s);
  free(s);
}

static void test_strings(void) {
  char *s = capture(emit_strings);
  const char *want =
      "[\"q\\\"b\\\\s/\",\"\\n\\t\\r\\b\\f\\u0001\\u001f\\u000b\","
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
      "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"]";
  CHECKF(s && strcmp(s, want) == 0, "got  %s\nwant %s", s, want);
  free(s);
}

static float round_trip_value;
static void emit_float(json_out *j) { json_float(j, NULL, round_trip_value); }

static void test_float_round_trip(void) {
  nq_rng rng = {5};
  int bad = 0;
  for (int i = 0; i < 20000; i++) {
    uint32_t bits = (uint32_t)nq_rng_next(&rng);
    float v;
    memcpy(&v, &bits, sizeof v);
    if (!isfinite(v)) continue;
    round_trip_value = v;
    char *s = capture(emit_float);
    float back = s ? strtof(s, NULL) : 0;
    if (memcmp(&back, &v, sizeof v) != 0) bad++;
    free(s);
  }
  CHECKF(bad == 0, "%d floats did not round-trip", bad);
}

int main(void) {
  test_layout();
  test_strings();
  test_float_round_trip();
  return nq_test_finish("test_json_out");
}
