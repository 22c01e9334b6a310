#include "core/utf8.h"

size_t nq_utf8_sequence_length(const unsigned char *p) {
  unsigned char c = p[0];
  size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  for (size_t k = 1; k < len; k++)
    if ((p[k] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
  /* The lead byte alone does not rule out overlongs, surrogates and code
   * points above U+10FFFF: the second byte's range does. */
  if (c == 0xe0 && p[1] < 0xa0) return 0;
  if (c == 0xed && p[1] >= 0xa0) return 0;
  if (c == 0xf0 && p[1] < 0x90) return 0;
  if (c == 0xf4 && p[1] >= 0x90) return 0;
  return len;
}

void nq_utf8_make_printable(char *s) {
  unsigned char *p = (unsigned char *)s;
  while (*p) {
    if (*p >= 0x80) {
      size_t len = nq_utf8_sequence_length(p);
      if (len) {
        p += len;
        continue;
      }
      *p = '?';
    } else if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
      *p = '?';
    }
    p++;
  }
}
