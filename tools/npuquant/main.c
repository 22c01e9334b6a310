/* Placeholder entry point; the CLI helper replaces this file. */
#include <stdio.h>
#include "npuquant.h"
int main(void) {
  printf("npuquant %s\n", NQ_VERSION_STRING);
  return 0;
}
