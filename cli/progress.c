/* progress.c — the progress line of a long ingest (see progress.h): bytes
 * read, percent of the file when its size is known, dumps, MB/s and ETA,
 * redrawn with '\r' at most every PROGRESS_PERIOD seconds and wiped with
 * spaces at the end.  No terminal escape sequences, so it also works on a
 * dumb terminal.  Part of cli/: it prints, nothing else does.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define PROGRESS_DELAY 0.5   /* seconds before the first draw */
#define PROGRESS_PERIOD 0.25 /* seconds between draws */
#define PROGRESS_LINE 512

static cli_progress *active;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t term_columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

int64_t cli_progress_input_size(const char *path)
{
	struct stat sb;
	int r = strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &sb) : stat(path, &sb);

	if (r != 0 || !S_ISREG(sb.st_mode))
		return -1;
	return (int64_t)sb.st_size;
}

void cli_progress_begin(cli_progress *pg, const char *name, int64_t total, int enabled)
{
	memset(pg, 0, sizeof *pg);
	pg->enabled = enabled && isatty(STDERR_FILENO);
	pg->name = name;
	pg->total = total > 0 ? total : -1;
	pg->t0 = now();
	if (pg->enabled)
		active = pg;
}

/* Wipe the drawn line and put the cursor back at its start. */
static void wipe(cli_progress *pg)
{
	char buf[PROGRESS_LINE + 2];
	size_t n = pg->drawn < PROGRESS_LINE ? pg->drawn : PROGRESS_LINE;

	if (pg->drawn == 0)
		return;
	buf[0] = '\r';
	memset(buf + 1, ' ', n);
	buf[n + 1] = '\r';
	fwrite(buf, 1, n + 2, stderr);
	fflush(stderr);
	pg->drawn = 0;
}

static void fmt_bytes(char *out, size_t n, double b)
{
	if (b >= 1e9)
		snprintf(out, n, "%.2f GB", b / 1e9);
	else if (b >= 1e6)
		snprintf(out, n, "%.1f MB", b / 1e6);
	else
		snprintf(out, n, "%.0f KB", b / 1e3);
}

static void fmt_eta(char *out, size_t n, double s)
{
	unsigned long t = s < 0 ? 0 : s > 359999 ? 359999 : (unsigned long)(s + 0.5);

	if (t >= 3600)
		snprintf(out, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, n, "%lu:%02lu", t / 60, t % 60);
}

void cli_progress_update(cli_progress *pg, uint64_t bytes, int64_t position, uint64_t dumps)
{
	char nums[160], sz[32], eta[32], line[PROGRESS_LINE + 1], out[2 * PROGRESS_LINE + 2];
	double t, el, rate;
	size_t cols, nl, room, k;
	const char *name;

	if (!pg->enabled)
		return;
	t = now();
	el = t - pg->t0;
	if (el < PROGRESS_DELAY || (pg->last_draw > 0 && t - pg->last_draw < PROGRESS_PERIOD))
		return;
	pg->last_draw = t;
	rate = (double)bytes / el;
	fmt_bytes(sz, sizeof sz, (double)bytes);
	if (pg->total > 0 && position > 0) {
		double frac = (double)position / (double)pg->total;

		if (frac > 1)
			frac = 1;
		fmt_eta(eta, sizeof eta, el / frac - el);
		snprintf(nums, sizeof nums, "%s (%d%%), %llu dumps, %.1f MB/s, ETA %s", sz, (int)(frac * 100),
		         (unsigned long long)dumps, rate / 1e6, eta);
	} else {
		snprintf(nums, sizeof nums, "%s, %llu dumps, %.1f MB/s", sz, (unsigned long long)dumps,
		         rate / 1e6);
	}
	/* "tsmem: NAME: NUMS" within the terminal width; a long NAME keeps its tail */
	cols = term_columns() - 1;
	if (cols > PROGRESS_LINE)
		cols = PROGRESS_LINE;
	name = pg->name != NULL ? pg->name : "";
	nl = strlen(name);
	room = strlen("tsmem: ") + strlen(": ") + strlen(nums) < cols
	               ? cols - strlen("tsmem: ") - strlen(": ") - strlen(nums)
	               : 0;
	if (nl > room && room > 3)
		snprintf(line, sizeof line, "tsmem: ...%s: %s", name + nl - (room - 3), nums);
	else
		snprintf(line, sizeof line, "tsmem: %s: %s", name, nums);
	k = strlen(line);
	if (k > cols) {
		k = cols;
		line[k] = '\0';
	}
	/* '\r', the line, then blanks over what is left of a longer previous line */
	out[0] = '\r';
	memcpy(out + 1, line, k);
	nl = k + 1;
	if (pg->drawn > k) {
		memset(out + nl, ' ', pg->drawn - k);
		nl += pg->drawn - k;
	}
	fwrite(out, 1, nl, stderr);
	fflush(stderr);
	pg->drawn = k;
}

void cli_progress_end(cli_progress *pg)
{
	if (!pg->enabled)
		return;
	wipe(pg);
	pg->enabled = 0;
	if (active == pg)
		active = NULL;
}

void cli_progress_interrupt(void)
{
	if (active != NULL && active->drawn > 0) {
		wipe(active);
		active->last_draw = 0;
	}
}
