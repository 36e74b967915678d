/*
 * Crash points: named places where a test build of tollgated can be made
 * to die with SIGKILL, so that a crash test lands a kill exactly where a
 * random one rarely would (between the store's commit and the
 * projector's, in the middle of a group-commit batch).
 *
 * Only a build compiled with -DTG_CRASH_POINTS (the sanitizer build the
 * tests run) has them.  There, TOLLGATE_CRASH_AT=NAME[:N], read once at
 * start, kills the process the Nth time (default the first) it reaches
 * the point NAME once armed, when tollgated serves requests (writes of
 * its start-up are not counted).  Any other build refuses to start when the
 * variable is set, so that it can never be mistaken for one that honours it.
 *
 * The points (tg_crash_point() callers):
 *     store.group_pending   a group transaction holds a released
 *                           operation and the turn's holder begins
 *                           another: no operation of the batch is
 *                           answered yet
 *     store.committed       the store committed a group; its operations
 *                           are not answered yet
 *     projector.applying    the projector wrote a batch into its LMDB
 *                           transaction and has not committed it
 */

#ifndef TOLLGATE_CRASH_POINT_H
#define TOLLGATE_CRASH_POINT_H

#include <stddef.h>

/*
 * Reads TOLLGATE_CRASH_AT.  Returns 0; or -1 with a message in errbuf if
 * it is set but malformed, or set in a build without crash points.
 */
int tg_crash_point_init(char *errbuf, size_t size);

#ifdef TG_CRASH_POINTS
/* Starts counting passes: tollgated is serving. */
void tg_crash_point_arm(void);

/* Kills the process with SIGKILL if name is the armed point, reached for
 * the armed time; else returns.  Thread-safe. */
void tg_crash_point(const char *name);
#else
#define tg_crash_point_arm() ((void) 0)
#define tg_crash_point(name) ((void) 0)
#endif

#endif /* TOLLGATE_CRASH_POINT_H */
