/*
 * The conversion's notes, each said with its topic (nq_note_topic), so a
 * caller groups them by what they are about instead of by their wording.
 * The modules that write notes (sample checks, float tail, split outputs,
 * split weights, int16 layers) take a plain line callback; the topic is
 * attached here, where the conversion knows which stage it called.
 */
#ifndef NQ_API_NOTES_H
#define NQ_API_NOTES_H

#include <stdbool.h>

#include "calib/sample_checks.h"
#include "npuquant.h"

/* The caller wants notes (note or topic_note is set). */
bool nq_notes_wanted(const nq_convert_options *o);

/* Say msg through topic_note (with its topic) or else note. */
void nq_say_note(const nq_convert_options *o, nq_note_topic topic, const char *msg);

/* A line callback's user data that says each line with one topic. */
typedef struct nq_note_route {
  const nq_convert_options *opts;
  nq_note_topic topic;
} nq_note_route;

/* The line callbacks for a route: nq_note_line says a note with the route's
 * topic, nq_warn_line gives a warning to opts->warn. nq_note_fn and
 * nq_warn_fn are them, or NULL when the caller wants none (the modules skip
 * the work of a message nobody reads). */
void nq_note_line(void *route, const char *msg);
void nq_warn_line(void *route, const char *msg);
nq_line_fn nq_note_fn(const nq_convert_options *o);
nq_line_fn nq_warn_fn(const nq_convert_options *o);

/* Notes kept to be said later: graph preparation (split outputs, split
 * weights, the 16x8 rewrites) is done once for the automatic recipe's
 * candidates, which say nothing, and its notes are said by the conversion
 * that keeps the model. */
typedef struct nq_kept_notes {
  int n;
  nq_note_topic *topic;
  char **text;
} nq_kept_notes;

/* A line callback's user data that keeps each line with one topic. */
typedef struct nq_note_keeper {
  nq_kept_notes *kept; /* NULL: lines are dropped */
  nq_note_topic topic;
} nq_note_keeper;

void nq_keep_note(void *keeper, const char *msg); /* out of memory drops the line */
void nq_kept_notes_say(const nq_kept_notes *k, const nq_convert_options *o);
void nq_kept_notes_free(nq_kept_notes *k);

#endif
