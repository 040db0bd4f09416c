/* progress.h — the progress line of a long ingest: one line on stderr,
 * redrawn in place with '\r' at most four times a second, cleared at the
 * end.  Shown only when stderr is a terminal, the caller did not ask for
 * quiet, and the input has been read for more than half a second (short
 * inputs never show it).  Percent and ETA need the input's size; a pipe
 * shows bytes, dumps and MB/s only.
 *
 * Usage (one input):
 *	cli_progress pg;
 *	cli_progress_begin(&pg, name, cli_progress_input_size(path), enabled);
 *	loop: cli_progress_update(&pg, bytes_read, position, dumps);
 *	cli_progress_end(&pg);
 * cli_progress_interrupt() before printing anything else on stderr.
 */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stdint.h>

typedef struct cli_progress {
	int enabled;          /* 0: every call is a no-op */
	const char *name;     /* shown before the numbers (not copied) */
	int64_t total;        /* size of the input in `position` units, -1 unknown */
	double t0;            /* monotonic seconds at begin */
	double last_draw;     /* monotonic seconds of the last draw, 0 = never */
	size_t drawn;         /* columns of the line now on the terminal, 0 = none */
} cli_progress;

/* Size in bytes of the regular file at `path` ("-" = standard input), or -1
 * when unknown (a pipe, a terminal, a stat failure). */
int64_t cli_progress_input_size(const char *path);

/* Start tracking an input.  `enabled` is the caller's verdict (not quiet,
 * not a dry run); the line is drawn only if stderr is also a terminal. */
void cli_progress_begin(cli_progress *pg, const char *name, int64_t total, int enabled);

/* Report progress: `bytes` read from the input (uncompressed), `position`
 * in the file (compressed offset for .gz, -1 unknown; compared with total),
 * `dumps` parsed so far.  Cheap when nothing is drawn. */
void cli_progress_update(cli_progress *pg, uint64_t bytes, int64_t position, uint64_t dumps);

/* Clear the line (if drawn) and stop; later updates do nothing.  Safe to
 * call more than once. */
void cli_progress_end(cli_progress *pg);

/* Clear the line of the active progress, if one is drawn, so that a message
 * can be printed on stderr; the next update draws it again. */
void cli_progress_interrupt(void);

#endif
