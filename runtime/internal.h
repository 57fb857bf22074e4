/* internal.h — the runtime's own interface between its .c files.
 *
 * Not installed (`make install` copies fpipe.h and libfpipe.h only):
 * nothing here is for generated code or for a linked C file, and any of it
 * may change.  Every function a runtime .c file calls in another one is
 * declared here or in libfpipe.h, never by hand in the .c file.
 * Sections by the file that defines them.
 */
#ifndef FP_INTERNAL_H
#define FP_INTERNAL_H

#include "libfpipe.h"

/* ---- sink.c: temporaries, stop signals, unplanned exits -------------- */

/* Registers the temporary file `path` (the string must live until
 * fp_temp_drop) so that every way out of the run removes it; returns its
 * slot.  Main thread only. */
int fp_temp_add(const char *path);
void fp_temp_drop(int slot);   /* renamed or removed: forget it; -1: nothing */
/* Unlinks every registered temporary; async-signal-safe. */
void fp_temp_remove_all(void);
/* The run starts: SIGTERM, SIGINT and SIGHUP remove the temporaries and
 * exit 128 + signal; an exit() no part of the run asked for (libgomp
 * failing to start its threads) removes them and exits FP_EXIT_INTERNAL
 * with a message naming `prog`. */
void fp_run_guard_begin(const char *prog);
/* The run is over: the default signal actions again. */
void fp_run_guard_end(void);
/* Whether the paths a and b name one file: the same device and inode when
 * both exist, else the same name in the same resolved folder (-o ./x and
 * --errors x). */
bool fp_same_file(const char *a, const char *b);
/* Leaves the process with `code` on purpose (out of memory, the table
 * cap), removing every temporary first. */
_Noreturn void fp_exit(int code);

/* ---- extern.c: the top-n buffers of `topk` -------------------------- */

fp_top *fp_top_new(const fp_pipeline *pl);
void fp_top_free(fp_top *t);
/* Sorts t's items (best first) and points *items at them; returns their
 * count.  The items stay t's. */
size_t fp_top_sorted(fp_top *t, char **items);

/* ---- ktab.c: the memory cap of the keyed tables --------------------- */

/* Reads FPIPE_MAX_TABLE_BYTES (before any temporary exists): 0, or -1
 * with a message in err when it is not a number of bytes. */
int fp_ktab_cap_init(char *err, size_t errlen);

#endif
