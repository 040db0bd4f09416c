/* soak_writer.c — the writer of `make soak` (tests/soak.sh): appends F3
 * dumps to FILE at RATE dumps a second for SECONDS, and rotates the file
 * every ROTATE seconds, alternately by rename + create (FILE -> FILE.K)
 * and by copytruncate (copy to FILE.K, truncate FILE), as logrotate does.
 *
 *   soak_writer FILE SECONDS RATE ROTATE
 *
 * Dump N (0-based) sits between two timestamped diags lines at local time
 * T0 + N / RATE (T0 = the start, whole seconds), so it gets that time
 * (exact_bracket).  Its ioBufAllocator[0] row holds allocated = 16384 (N+1)
 * (it names the dump), three rows never change, one changes every 10th dump.
 * Writes happen while no rotation is in progress, so no dump is lost to
 * copytruncate's race.  At the end prints "dumps=N t0=T0 rate=RATE
 * rotations=R" on stdout.  A test tool, not part of tsmem.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stamp(char *buf, size_t n, double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	char d[32];

	localtime_r(&s, &tm);
	strftime(d, sizeof d, "%b %e %H:%M:%S", &tm);
	return snprintf(buf, n, "[%s.%03d] [ET_NET 1] DEBUG: <soak.cc:1 (soak)> (soak) tick\n", d,
	                (int)((t - (double)s) * 1000));
}

static int write_dump(int fd, unsigned long n, double t)
{
	char buf[4096];
	int k = 0;
	unsigned long long a0 = 16384ull * (n + 1), a1 = 2097152ull * 4 * (n / 10 + 1);

	k += stamp(buf + k, sizeof buf - (size_t)k, t);
	k += snprintf(buf + k, sizeof buf - (size_t)k,
	              "     Allocated      |        In-Use      | Type Size  |   Free List Name\n"
	              "--------------------|--------------------|------------|----------------------------------\n"
	              " %18llu | %18llu | %10u | memory/ioBufAllocator[14]\n"
	              " %18llu | %18llu | %10u | memory/ioBufAllocator[0]\n"
	              " %18llu | %18llu | %10u | memory/hdrHeap\n"
	              " %18llu | %18llu | %10u | memory/httpSMAllocator\n"
	              " %18llu | %18llu | %10u | memory/eventAllocator\n"
	              " %18llu | %18llu |            | TOTAL\n"
	              "-----------------------------------------------------------------------------------------\n",
	              a1, a1 / 2, 2097152u, a0, (unsigned long long)128 * (n % 97), 128u, 2048ull * 128,
	              2048ull * 10, 2048u, 0ull, 0ull, 5456u, 128ull * 256, 128ull * 7, 128u,
	              a1 + a0 + 2048ull * 128 + 128ull * 256,
	              a1 / 2 + 128ull * (n % 97) + 2048ull * 10 + 128ull * 7);
	k += stamp(buf + k, sizeof buf - (size_t)k, t + 0.001);
	return write(fd, buf, (size_t)k) == k ? 0 : -1;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t r;
	int ret = -1;

	if (in < 0 || out < 0)
		goto out;
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)r) != r)
			goto out;
	ret = r == 0 ? 0 : -1;
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return ret;
}

int main(int argc, char **argv)
{
	const char *path;
	double secs, rate, rot, t0, start, next_rot;
	unsigned long n = 0;
	int fd, rotations = 0;
	char old[4096];

	if (argc != 5) {
		fputs("usage: soak_writer FILE SECONDS RATE ROTATE\n", stderr);
		return 1;
	}
	path = argv[1];
	secs = atof(argv[2]);
	rate = atof(argv[3]);
	rot = atof(argv[4]);
	if (secs <= 0 || rate <= 0 || rot <= 0)
		return 1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		perror(path);
		return 2;
	}
	start = now();
	t0 = (double)(long)start;
	next_rot = start + rot;
	while (now() < start + secs) {
		double due = start + (double)n / rate, t = now();

		if (t >= next_rot) {
			rotations++;
			snprintf(old, sizeof old, "%s.%d", path, rotations);
			if (rotations % 2 == 1) {
				/* rename + create */
				close(fd);
				if (rename(path, old) != 0)
					perror("rename");
				fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
			} else {
				/* copytruncate */
				if (copy_file(path, old) != 0 || ftruncate(fd, 0) != 0)
					perror("copytruncate");
			}
			if (fd < 0) {
				perror(path);
				return 2;
			}
			next_rot += rot;
		}
		if (t < due) {
			usleep((useconds_t)((due - t) * 1e6));
			continue;
		}
		if (write_dump(fd, n, t0 + (double)n / rate) != 0) {
			perror("write");
			return 2;
		}
		n++;
	}
	close(fd);
	printf("dumps=%lu t0=%.0f rate=%g rotations=%d\n", n, t0, rate, rotations);
	return 0;
}
