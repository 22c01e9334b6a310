#include "json_out.h"

#include <math.h>
#include <string.h>

#include "npuquant.h" /* nq_utf8_sequence_length */

void json_init(json_out *j, FILE *f) {
  memset(j, 0, sizeof *j);
  j->f = f;
}

static void put_escaped(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  while (*p) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc(c, f);
      p++;
    } else if (c < 0x20) {
      static const char short_esc[] = "btn?fr"; /* \b \t \n (\v has none) \f \r */
      if (c >= 8 && c <= 13 && c != 11)
        fprintf(f, "\\%c", short_esc[c - 8]);
      else
        fprintf(f, "\\u%04x", c);
      p++;
    } else if (c < 0x80) {
      fputc(c, f);
      p++;
    } else {
      /* Copy a well-formed UTF-8 sequence; anything else is one
       * replacement character. */
      size_t len = nq_utf8_sequence_length(p);
      if (len) {
        fwrite(p, 1, len, f);
        p += len;
      } else {
        fputs("\\ufffd", f);
        p++;
      }
    }
  }
  fputc('"', f);
}

/* Comma + key for the next value at the current level. */
static void begin_value(json_out *j, const char *key) {
  if (j->count[j->depth]++ > 0) fputc(',', j->f);
  if (key) {
    put_escaped(j->f, key);
    fputc(':', j->f);
  }
}

static void open_level(json_out *j, const char *key, char c) {
  begin_value(j, key);
  fputc(c, j->f);
  if (j->depth + 1 < JSON_MAX_DEPTH) j->depth++;
  j->count[j->depth] = 0;
}

static void close_level(json_out *j, char c) {
  fputc(c, j->f);
  if (j->depth > 0) j->depth--;
}

void json_begin_object(json_out *j, const char *key) { open_level(j, key, '{'); }
void json_end_object(json_out *j) { close_level(j, '}'); }
void json_begin_array(json_out *j, const char *key) { open_level(j, key, '['); }
void json_end_array(json_out *j) { close_level(j, ']'); }

void json_string(json_out *j, const char *key, const char *v) {
  begin_value(j, key);
  if (v)
    put_escaped(j->f, v);
  else
    fputs("null", j->f);
}

void json_int(json_out *j, const char *key, long long v) {
  begin_value(j, key);
  fprintf(j->f, "%lld", v);
}

void json_float(json_out *j, const char *key, double v) {
  begin_value(j, key);
  if (isfinite(v))
    fprintf(j->f, "%.9g", v);
  else
    fputs("null", j->f);
}

void json_bool(json_out *j, const char *key, int v) {
  begin_value(j, key);
  fputs(v ? "true" : "false", j->f);
}

void json_finish(json_out *j) { fputc('\n', j->f); }
