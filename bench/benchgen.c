/* benchgen.c — deterministic generator of ATS F3 freelist dumps (spec §1.1
 * variant F3, 6.2.0 - 9.2.x) for the benchmarks.
 *
 * Each allocator's in-use item count does a bounded random walk; allocated
 * follows it up in whole chunks (page-rounded chunk sizes, spec §3.2) and
 * never falls, so the stream is one process lifetime in freelist mode.  A
 * 9.x diags line ("[Mon dd hh:mm:ss.mmm] [ET_NET 3] DEBUG: ...") precedes
 * every diag_every-th dump.  Pure computation plus stdio; used by gen.c
 * (text) and limit.c (direct inserts), never by tsmem itself.
 */
#include <inttypes.h>
#include <string.h>

#include "benchgen.h"

/* Named allocators in dump order (reverse static construction), with
 * x86_64-like ClassAllocator sizes (RND16), requested chunk items and the
 * largest in-use item count of the walk (0 = an idle 0/0 row). */
static const struct {
	const char *name;
	uint32_t type_size, chunk_req;
	uint32_t cap;
} named[BG_NAMED] = {
	{"preWarmSMAllocator", 256, 128, 0},
	{"http2StreamAllocator", 3808, 128, 900},
	{"http2ClientSessionAllocator", 1968, 128, 300},
	{"http1ClientSessionAllocator", 576, 128, 2500},
	{"httpServerSessionAllocator", 464, 128, 1800},
	{"FetchSMAllocator", 464, 128, 40},
	{"RemapPluginsAlloc", 64, 128, 600},
	{"httpCacheAltAllocator", 1040, 128, 700},
	{"MIMEFieldSDKHandle", 48, 128, 200},
	{"httpSMAllocator", 5456, 128, 2600},
	{"hdrStrHeap", 2048, 128, 5200},
	{"hdrHeap", 2048, 128, 5600},
	{"apiHookAllocator", 32, 128, 300},
	{"INKContAllocator", 192, 128, 1500},
	{"INKVConnAllocator", 240, 128, 30},
	{"cacheVConnection", 896, 128, 1400},
	{"cacheRemoveCont", 96, 128, 20},
	{"evacuationBlock", 96, 128, 60},
	{"evacuationKey", 48, 128, 60},
	{"openDirEntry", 160, 128, 500},
	{"RamCacheLRUEntry", 80, 128, 0},
	{"RamCacheCLFUSEntry", 96, 128, 90000},
	{"hostDBContAllocator", 320, 128, 80},
	{"hostDBFileContAllocator", 128, 128, 2},
	{"refCountCacheHashingValueAllocator", 48, 128, 4000},
	{"expiryQueueEntry", 32, 128, 4000},
	{"dnsEntryAllocator", 1168, 128, 60},
	{"DNSRequestDataAllocator", 64, 128, 60},
	{"dnsBufAllocator", 8208, 2, 6},
	{"socksProxyAllocator", 256, 128, 0},
	{"socksAllocator", 400, 128, 0},
	{"OneWayMultiTunnelAllocator", 784, 128, 0},
	{"OneWayTunnelAllocator", 400, 128, 0},
	{"UDPIOEventAllocator", 160, 128, 0},
	{"udpReadContAllocator", 112, 128, 0},
	{"udpPacketAllocator", 336, 128, 0},
	{"sslNetVCAllocator", 2080, 128, 2200},
	{"netVCAllocator", 1472, 128, 900},
	{"ioBlockAllocator", 64, 128, 30000},
	{"ioDataAllocator", 48, 128, 30000},
	{"ioAllocator", 576, 128, 9000},
	{"ArenaBlock", 1024, 128, 300},
	{"mutexAllocator", 112, 128, 16000},
	{"eventAllocator", 128, 256, 6000},
};

/* Largest in-use items per ioBufAllocator bucket i (index = i). */
static const uint32_t iobuf_cap[BG_IOBUF] = {
	9000, 700, 900, 600, 1100, 6000, 1500, 200, 700, 120, 60, 0, 24, 70, 0,
};

static const char *const iobuf_name[BG_IOBUF] = {
	"ioBufAllocator[0]", "ioBufAllocator[1]", "ioBufAllocator[2]", "ioBufAllocator[3]",
	"ioBufAllocator[4]", "ioBufAllocator[5]", "ioBufAllocator[6]", "ioBufAllocator[7]",
	"ioBufAllocator[8]", "ioBufAllocator[9]", "ioBufAllocator[10]", "ioBufAllocator[11]",
	"ioBufAllocator[12]", "ioBufAllocator[13]", "ioBufAllocator[14]",
};

static const char *const month_name[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* splitmix64: tiny, fast, and the same on every platform. */
static uint64_t rnd(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Effective chunk items of 6.1-9.2: the chunk's bytes rounded up to pages. */
static uint32_t page_chunk(uint32_t type_size, uint32_t req)
{
	uint64_t bytes = (uint64_t)type_size * req;

	bytes = (bytes + 4095) / 4096 * 4096;
	return (uint32_t)(bytes / type_size);
}

static void grow(bg_alloc *a)
{
	if (a->used > a->allocated)
		a->allocated = (a->used + a->chunk - 1) / a->chunk * a->chunk;
}

int bg_bucket(int i)
{
	return i < BG_IOBUF ? BG_IOBUF - 1 - i : -1;
}

void bg_init(bg_state *s, uint64_t seed, int interval)
{
	int i;

	memset(s, 0, sizeof *s);
	s->rng = seed;
	s->interval = interval > 0 ? interval : 10;
	s->diag_every = 30;
	s->clock = 0;
	for (i = 0; i < BG_ROWS; i++) {
		bg_alloc *a = &s->a[i];

		if (i < BG_IOBUF) {
			int b = bg_bucket(i);

			a->name = iobuf_name[b];
			a->type_size = 128u << b;
			a->chunk = page_chunk(a->type_size, b <= 5 ? 128 : 32);
			a->cap = iobuf_cap[b];
		} else {
			int k = i - BG_IOBUF;

			a->name = named[k].name;
			a->type_size = named[k].type_size;
			a->chunk = page_chunk(a->type_size, named[k].chunk_req);
			a->cap = named[k].cap;
		}
		a->used = a->cap / 3;
		a->allocated = 0;
		grow(a);
	}
}

void bg_init_real(bg_state *s, uint64_t seed, int interval)
{
	bg_init(s, seed, interval);
	s->real = 1;
}

void bg_next(bg_state *s)
{
	int i;

	s->changed = 0;
	if (s->dumps > 0) {
		s->clock += s->interval;
		for (i = 0; i < BG_ROWS; i++) {
			bg_alloc *a = &s->a[i];
			uint64_t step, r, u0 = a->used, a0 = a->allocated;

			if (a->cap == 0 || (s->real && a->cap <= BG_REAL_CONST_CAP))
				continue;
			if (s->real && rnd(&s->rng) % 1000 >= BG_REAL_MOVE_PERMILLE)
				continue;
			step = a->cap / 64 + 1;
			r = rnd(&s->rng) % (2 * step + 1);
			if (r >= step) {
				a->used += r - step;
				if (a->used > a->cap)
					a->used = a->cap;
			} else {
				a->used = a->used > step - r ? a->used - (step - r) : 0;
			}
			grow(a);
			s->changed += a->used != u0 || a->allocated != a0;
		}
	}
	s->changed_total += s->changed;
	s->dumps++;
}

uint64_t bg_allocated_bytes(const bg_state *s, int i)
{
	return s->a[i].allocated * s->a[i].type_size;
}

uint64_t bg_in_use_bytes(const bg_state *s, int i)
{
	return s->a[i].used * s->a[i].type_size;
}

/* The 9.x diags line for the current clock (Jan 1 at clock 0, no year). */
static int write_diag(const bg_state *s, FILE *f)
{
	long t = s->clock;
	long day = (t / 86400) % 365;
	int mon = 0;
	uint64_t n = s->dumps;

	while (day >= month_days[mon]) {
		day -= month_days[mon];
		mon++;
	}
	return fprintf(f, "[%s %2ld %02ld:%02ld:%02ld.%03u] [ET_NET %u] DEBUG: <HttpSM.cc:%u "
	               "(state_read_client_request_header)> (http) [%" PRIu64 "] benchmark request\n",
	               month_name[mon], day + 1, t / 3600 % 24, t / 60 % 60, t % 60,
	               (unsigned)(n * 37 % 1000), (unsigned)(n % 4), 1000u + (unsigned)(n % 900), n);
}

long bg_write_dump(const bg_state *s, FILE *f)
{
	uint64_t ta = 0, tu = 0;
	long bytes = 0;
	int i, n;

	if (s->diag_every > 0 && s->dumps % (uint64_t)s->diag_every == 1) {
		n = write_diag(s, f);
		if (n < 0)
			return -1;
		bytes += n;
	}
	n = fprintf(f, "     Allocated      |        In-Use      | Type Size  |   Free List Name\n"
	               "--------------------|--------------------|------------|----------------------------------\n");
	if (n < 0)
		return -1;
	bytes += n;
	for (i = 0; i < BG_ROWS; i++) {
		uint64_t al = bg_allocated_bytes(s, i), iu = bg_in_use_bytes(s, i);

		n = fprintf(f, " %18" PRIu64 " | %18" PRIu64 " | %10u | memory/%s\n", al, iu, s->a[i].type_size,
		            s->a[i].name);
		if (n < 0)
			return -1;
		bytes += n;
		ta += al;
		tu += iu;
	}
	n = fprintf(f, " %18" PRIu64 " | %18" PRIu64 " |            | TOTAL\n"
	               "-----------------------------------------------------------------------------------------\n",
	            ta, tu);
	if (n < 0)
		return -1;
	return bytes + n;
}
