/* inputs.c — check the FILE arguments before anything is read or a
 * database is opened, and put a rotated set oldest first (logrotate's
 * NAME.N and NAME-DATE names, ATS's NAME_HOST.START-END.old).  Reads only
 * names and stat(2); parser/timeline.c parses the ATS names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "inputs.h"
#include "../parser/timeline.h"

/* Seconds by which a file may seem written before the one given ahead of
 * it without a warning (copies made in a burst, coarse clocks). */
#define ORDER_SLACK_S 2.0

int cli_inputs_check(int n, char *const *files)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct stat sb;
		int fd;

		if (strcmp(files[i], "-") == 0)
			continue;
		if (stat(files[i], &sb) != 0) {
			cli_errorf("%s: %s", files[i], strerror(errno));
			bad++;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			cli_errorf("%s: is a directory (give the files in it, e.g. %s/traffic.out*)", files[i],
			           files[i]);
			bad++;
			continue;
		}
		fd = open(files[i], O_RDONLY | O_NONBLOCK);
		if (fd < 0) {
			cli_errorf("%s: %s", files[i], strerror(errno));
			bad++;
			continue;
		}
		close(fd);
	}
	return bad;
}

enum { K_BARE = 0, K_NUM, K_TIME };
enum { M_TIME = 0, M_NUM, M_MTIME };

typedef struct in_file {
	char *path;
	char *fam;          /* directory + base name without the rotation suffix */
	int kind;           /* K_* */
	double t;           /* K_TIME: Unix seconds in the name (end of the file) */
	unsigned long num;  /* K_NUM */
	double mtime;       /* 0 = unknown */
	int given;          /* position in the arguments */
	int mode;           /* M_* of its family */
	int done;
} in_file;

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

static int num_at(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* "YYYYMMDD[HH[MM[SS]]]" (local time), an optional '-' or '_' between the
 * date and the time, or 9 to 11 digits of Unix seconds.  0 or -1. */
static int parse_name_time(const char *s, size_t n, double *out)
{
	char d[16];
	size_t k = 0, i;
	struct tm tm;

	if (n >= 9 && n <= 11 && all_digits(s, n) && s[0] != '2') {
		/* 1xxxxxxxxx: epoch seconds (-%s); a 2 starts a date */
		*out = strtod(s, NULL);
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9' && k < sizeof d - 1)
			d[k++] = s[i];
		else if (!(i == 8 && (s[i] == '-' || s[i] == '_')))
			return -1;
	}
	if (k != 8 && k != 10 && k != 12 && k != 14)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = num_at(d, 4) - 1900;
	tm.tm_mon = num_at(d + 4, 2) - 1;
	tm.tm_mday = num_at(d + 6, 2);
	tm.tm_hour = k >= 10 ? num_at(d + 8, 2) : 0;
	tm.tm_min = k >= 12 ? num_at(d + 10, 2) : 0;
	tm.tm_sec = k >= 14 ? num_at(d + 12, 2) : 0;
	if (tm.tm_year < 70 || tm.tm_year > 200 || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_isdst = -1;
	*out = (double)mktime(&tm);
	return 0;
}

/* Classify one name; fills kind, t, num and fam (NULL when out of memory). */
static void classify_name(in_file *f)
{
	const char *base = strrchr(f->path, '/');
	size_t dirlen, len, famlen;
	double start, end;

	base = base != NULL ? base + 1 : f->path;
	dirlen = (size_t)(base - f->path);
	len = strlen(base);
	if (len > 3 && strcmp(base + len - 3, ".gz") == 0)
		len -= 3;
	famlen = len;
	f->kind = K_BARE;
	if (strcmp(f->path, "-") != 0 && timeline_rotated_bounds(f->path, &start, &end) == 0) {
		/* NAME[_HOST].YYYYmmdd.HHhMMmSSs-YYYYmmdd.HHhMMmSSs.old */
		const char *p = strstr(base, ".old");
		const char *us;

		f->kind = K_TIME;
		f->t = end;
		famlen = (size_t)(p - base) - 38;
		us = memchr(base, '_', famlen);
		if (us != NULL) {
			const char *last = us;

			while ((us = memchr(us + 1, '_', famlen - (size_t)(us + 1 - base))) != NULL)
				last = us;
			famlen = (size_t)(last - base);
		}
	} else if (strcmp(f->path, "-") != 0) {
		size_t i;

		/* NAME-DATE or NAME.DATE: the first separator that leaves a time */
		for (i = 1; i + 1 < len && f->kind == K_BARE; i++)
			if ((base[i] == '-' || base[i] == '.') &&
			    parse_name_time(base + i + 1, len - i - 1, &f->t) == 0) {
				f->kind = K_TIME;
				famlen = i;
			}
		/* NAME.N */
		if (f->kind == K_BARE) {
			i = len;
			while (i > 0 && base[i - 1] >= '0' && base[i - 1] <= '9')
				i--;
			if (i > 1 && i < len && len - i <= 6 && base[i - 1] == '.') {
				f->kind = K_NUM;
				f->num = strtoul(base + i, NULL, 10);
				famlen = i - 1;
			}
		}
	}
	if (f->kind == K_BARE)
		famlen = strlen(base); /* a .gz of its own is its own family */
	f->fam = malloc(dirlen + famlen + 1);
	if (f->fam != NULL) {
		memcpy(f->fam, f->path, dirlen + famlen);
		f->fam[dirlen + famlen] = '\0';
	}
}

/* Before (< 0) or after (> 0) within one family. */
static int cmp_member(const in_file *a, const in_file *b)
{
	if ((a->kind == K_BARE) != (b->kind == K_BARE))
		return a->kind == K_BARE ? 1 : -1;   /* the file being written comes last */
	if (a->kind != K_BARE) {
		if (a->mode == M_TIME && a->t != b->t)
			return a->t < b->t ? -1 : 1;
		if (a->mode == M_NUM && a->num != b->num)
			return a->num > b->num ? -1 : 1;
		if (a->mode == M_MTIME && a->mtime != b->mtime)
			return a->mtime < b->mtime ? -1 : 1;
	}
	return a->given - b->given;
}

static void fmt_age(char *buf, size_t n, double s)
{
	if (s < 120)
		snprintf(buf, n, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, n, "%.0f min", s / 60);
	else if (s < 172800)
		snprintf(buf, n, "%.0f h", s / 3600);
	else
		snprintf(buf, n, "%.0f days", s / 86400);
}

int cli_inputs_order(int n, char *const *files, char **out)
{
	in_file *f, **mem, *sorted;
	int *slot, i, j, k, rc = 0;

	for (i = 0; i < n; i++)
		out[i] = files[i];
	if (n < 2)
		return 0;
	f = calloc((size_t)n, sizeof *f);
	mem = calloc((size_t)n, sizeof *mem);
	slot = calloc((size_t)n, sizeof *slot);
	sorted = calloc((size_t)n, sizeof *sorted);
	if (f == NULL || mem == NULL || slot == NULL || sorted == NULL) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct stat sb;

		f[i].path = files[i];
		f[i].given = i;
		classify_name(&f[i]);
		if (f[i].fam == NULL) {
			rc = -1;
			goto out;
		}
		if (strcmp(files[i], "-") != 0 && stat(files[i], &sb) == 0)
			f[i].mtime = (double)sb.st_mtim.tv_sec + (double)sb.st_mtim.tv_nsec / 1e9;
	}
	for (i = 0; i < n; i++) {
		int m = 0, times = 1, nums = 1, rotated = 0, mode;

		if (f[i].done)
			continue;
		for (j = i; j < n; j++)
			if (!f[j].done && strcmp(f[j].fam, f[i].fam) == 0) {
				f[j].done = 1;
				mem[m] = &f[j];
				slot[m] = j;
				m++;
				if (f[j].kind != K_BARE) {
					rotated++;
					times &= f[j].kind == K_TIME;
					nums &= f[j].kind == K_NUM;
				}
			}
		mode = rotated == 0 ? M_MTIME : times ? M_TIME : nums ? M_NUM : M_MTIME;
		for (k = 0; k < m; k++)
			mem[k]->mode = mode;
		/* insertion sort: stable, and safe whatever the comparator says */
		for (k = 1; k < m; k++) {
			in_file *x = mem[k];

			for (j = k; j > 0 && cmp_member(x, mem[j - 1]) < 0; j--)
				mem[j] = mem[j - 1];
			mem[j] = x;
		}
		for (k = 0; k < m; k++)
			sorted[slot[k]] = *mem[k];
	}
	for (i = 0; i < n; i++)
		out[i] = sorted[i].path;
	/* An order that no name decided, contradicted by the files' times. */
	for (i = 1; i < n; i++) {
		const in_file *a = &sorted[i - 1], *b = &sorted[i];
		char age[32];

		if (a->mtime <= 0 || b->mtime <= 0 || b->mtime + ORDER_SLACK_S >= a->mtime)
			continue;
		if (strcmp(a->fam, b->fam) == 0)
			continue; /* one rotated set: its names decided */
		fmt_age(age, sizeof age, a->mtime - b->mtime);
		cli_diagf(b->path, 0, "warning",
		          "read after %s, but last written %s before it: files that are not one rotated "
		          "set are read in the order given", a->path, age);
	}
out:
	if (f != NULL)
		for (i = 0; i < n; i++)
			free(f[i].fam);
	free(f);
	free(mem);
	free(slot);
	free(sorted);
	return rc;
}
