#include "api/notes.h"

#include <stdlib.h>
#include <string.h>

bool nq_notes_wanted(const nq_convert_options *o) { return o->note || o->topic_note; }

void nq_say_note(const nq_convert_options *o, nq_note_topic topic, const char *msg) {
  if (o->topic_note)
    o->topic_note(o->warn_user, topic, msg);
  else if (o->note)
    o->note(o->warn_user, msg);
}

void nq_note_line(void *route, const char *msg) {
  const nq_note_route *r = route;
  nq_say_note(r->opts, r->topic, msg);
}

void nq_warn_line(void *route, const char *msg) {
  const nq_note_route *r = route;
  if (r->opts->warn) r->opts->warn(r->opts->warn_user, msg);
}

nq_line_fn nq_note_fn(const nq_convert_options *o) { return nq_notes_wanted(o) ? nq_note_line : NULL; }

nq_line_fn nq_warn_fn(const nq_convert_options *o) { return o->warn ? nq_warn_line : NULL; }

void nq_keep_note(void *keeper, const char *msg) {
  const nq_note_keeper *w = keeper;
  nq_kept_notes *k = w->kept;
  if (!k) return;
  size_t n = strlen(msg) + 1;
  char *text = malloc(n);
  nq_note_topic *topic = realloc(k->topic, sizeof *topic * (size_t)(k->n + 1));
  if (topic) k->topic = topic;
  char **texts = topic ? realloc(k->text, sizeof *texts * (size_t)(k->n + 1)) : NULL;
  if (texts) k->text = texts;
  if (!text || !topic || !texts) {
    free(text);
    return;
  }
  memcpy(text, msg, n);
  k->topic[k->n] = w->topic;
  k->text[k->n++] = text;
}

void nq_kept_notes_say(const nq_kept_notes *k, const nq_convert_options *o) {
  for (int i = 0; k && i < k->n; i++) nq_say_note(o, k->topic[i], k->text[i]);
}

void nq_kept_notes_free(nq_kept_notes *k) {
  if (!k) return;
  for (int i = 0; i < k->n; i++) free(k->text[i]);
  free(k->text);
  free(k->topic);
  memset(k, 0, sizeof *k);
}

/* The names nq_note_topic_name gives, in enum order. */
static const char *const topic_names[] = {
    [NQ_NOTE_DATA] = "data",
    [NQ_NOTE_CALIBRATION] = "calibration",
    [NQ_NOTE_RECIPE] = "recipe",
    [NQ_NOTE_FLOAT_TAIL] = "float_tail",
    [NQ_NOTE_SPLIT_OUTPUTS] = "split_outputs",
    [NQ_NOTE_SPLIT_WEIGHTS] = "split_weights",
    [NQ_NOTE_INT16] = "int16",
};
_Static_assert(sizeof topic_names / sizeof *topic_names == NQ_NOTE_TOPICS, "a note topic without a name");

const char *nq_note_topic_name(nq_note_topic topic) {
  return (int)topic >= 0 && (int)topic < NQ_NOTE_TOPICS ? topic_names[topic] : NULL;
}
