/* test_model.c — unit tests of model/: chunk tables and sources, thread
 * caches, the backward model on hand-made series, the fleet churn cost,
 * records.config / records.yaml parsing, and the chunk identity on the
 * real public dumps in ../shared/fixtures/real (04, 05, 07 follow it; 02,
 * a reclaimable-freelist build, does not).
 */
#include <stdlib.h>

#include "../model/model.h"
#include "testlib.h"

static void test_chunks(void)
{
	static const uint32_t hp[15] = {16384, 8192, 4096, 2048, 1024, 512, 256, 128, 64, 32, 32, 32, 32, 32, 32};
	model_config cfg;
	model_chunk_source src;
	char name[32];
	uint32_t ch[15];
	int b;

	model_config_init(&cfg, MODEL_V_7);
	for (b = 0; b < 15; b++) {
		snprintf(name, sizeof name, "ioBufAllocator[%d]", b);
		CHECK_INT(model_chunk_default(name, b, 128u << b, &cfg, &src), b <= 5 ? 128 : 32);
		CHECK_INT(src, MODEL_CHUNK_TABLE);
	}
	cfg.hugepages = 1;
	for (b = 0; b < 15; b++) {
		snprintf(name, sizeof name, "ioBufAllocator[%d]", b);
		CHECK_INT(model_chunk_default(name, b, 128u << b, &cfg, &src), hp[b]);
		CHECK_INT(src, MODEL_CHUNK_HUGEPAGE);
	}
	/* static allocators keep page rounding even with hugepages (6.1-9.x) */
	CHECK_INT(model_chunk_default("httpSMAllocator", -1, 5456, &cfg, &src), 128);
	CHECK_INT(src, MODEL_CHUNK_TABLE);
	CHECK_INT(model_chunk_default("memory/FetchSMAllocator", -1, 464, &cfg, NULL), 132);
	CHECK_INT(model_chunk_default("eventAllocator", -1, 112, &cfg, NULL), 256);
	CHECK_INT(model_chunk_default("dnsBufAllocator", -1, 8208, &cfg, NULL), 2);
	/* no page rounding before 6.1 */
	model_config_init(&cfg, MODEL_V_6_0);
	CHECK_INT(model_chunk_default("FetchSMAllocator", -1, 464, &cfg, NULL), 128);
	/* 10.x: hugepages only for ioBufAllocatorHP rows; iobuf_chunk_sizes */
	model_config_init(&cfg, MODEL_V_10);
	CHECK_INT(model_chunk_default("ioBufAllocatorHP[8]", 8, 32768, &cfg, &src), 64);
	CHECK_INT(src, MODEL_CHUNK_HUGEPAGE);
	CHECK_INT(model_chunk_default("ioBufAllocator[8]", 8, 32768, &cfg, &src), 32);
	CHECK_INT(model_parse_iobuf_chunk_sizes("64,64 64", ch), 0);
	CHECK_INT(ch[0], 64);
	CHECK_INT(ch[2], 64);
	CHECK_INT(ch[3], 0);
	CHECK_INT(model_parse_iobuf_chunk_sizes("1M:16 8 4k:256", ch), 0);
	CHECK_INT(ch[13], 16);
	CHECK_INT(ch[14], 8);
	CHECK_INT(ch[5], 256);
	CHECK_INT(model_parse_iobuf_chunk_sizes("3k:5", ch), -1);
	CHECK_INT(model_parse_iobuf_chunk_sizes("2M:1 7", ch), -1);
	CHECK_INT(model_parse_iobuf_chunk_sizes("x", ch), -1);
	model_parse_iobuf_chunk_sizes("0,0,0,0,0,200", ch);
	memcpy(cfg.iobuf_chunk, ch, sizeof ch);
	cfg.has_iobuf_chunk = 1;
	CHECK_INT(model_chunk_default("ioBufAllocator[5]", 5, 4096, &cfg, &src), 200);
	CHECK_INT(src, MODEL_CHUNK_CONFIG);
	CHECK_STR(model_chunk_source_name(MODEL_CHUNK_INFERRED), "inferred");
}

static void test_infer_pick(void)
{
	uint64_t a[] = {0, 256, 384, 1024}, odd[] = {0, 744, 31 * 10}, none[] = {0, 0};
	model_chunk_source src;

	CHECK_INT(model_chunk_infer(a, 4), 128);
	CHECK_INT(model_chunk_infer(none, 2), 0);
	CHECK_INT(model_chunk_infer(NULL, 0), 0);
	CHECK_INT(model_chunk_pick("ioBufAllocator[1]", 1, 256, 0, a, 4, NULL, &src), 128);
	CHECK_INT(src, MODEL_CHUNK_TABLE);
	CHECK_INT(model_chunk_pick("ioBufAllocator[8]", 8, 32768, 0, odd, 3, NULL, &src), 62);
	CHECK_INT(src, MODEL_CHUNK_INFERRED);
	CHECK_INT(model_chunk_pick("ioBufAllocator[8]", 8, 32768, 77, odd, 3, NULL, &src), 77);
	CHECK_INT(src, MODEL_CHUNK_DUMP);
	CHECK_INT(model_chunk_pick("ioBufAllocator[8]", 8, 32768, 0, none, 2, NULL, &src), 32);
	CHECK_INT(src, MODEL_CHUNK_TABLE);
}

static void test_threads(void)
{
	model_config cfg;
	int unb = -1;
	const char *names[] = {"memory/ioBufAllocator[0]", "memory/preWarmSMAllocator"};
	const char *old[] = {"clusterVCAllocator"};

	CHECK(model_is_thread_cached("hdrHeap", MODEL_V_7));
	CHECK(model_is_thread_cached("memory/ioDataAllocator", MODEL_V_5_3));
	CHECK(!model_is_thread_cached("ioBufAllocator[3]", MODEL_V_10));
	CHECK(!model_is_thread_cached("httpSMAllocator", MODEL_V_7));
	CHECK(model_is_thread_cached("httpSMAllocator", MODEL_V_9_2));
	CHECK(!model_is_thread_cached("http2StreamAllocator", MODEL_V_5_3));
	CHECK(model_is_thread_cached("http2ServerSessionAllocator", MODEL_V_10));
	CHECK(!model_is_thread_cached("ArenaBlock", MODEL_V_10));
	CHECK_INT(model_version_refine(MODEL_V_7, names, 2), MODEL_V_9_2);
	CHECK_INT(model_version_refine(MODEL_V_7, old, 1), MODEL_V_7);
	CHECK_INT(model_version_from_format("F4"), MODEL_V_10);

	model_config_init(&cfg, MODEL_V_7);
	cfg.threads = 10;
	CHECK_U64(model_thread_slack_items(&cfg, &unb), 5120);
	CHECK_INT(unb, 0);
	cfg.thread_freelist_size = 0;
	CHECK_U64(model_thread_slack_items(&cfg, &unb), 320);
	cfg.version = MODEL_V_9_2;
	CHECK_U64(model_thread_slack_items(&cfg, &unb), 0);
	CHECK_INT(unb, 1);
	model_config_init(&cfg, MODEL_V_7);
	cfg.ncpu = 4;
	CHECK_INT(model_thread_count(&cfg), 6 + 2 + 1 + 4);
	cfg.exec_autoconfig = 0;
	cfg.exec_limit = 3;
	CHECK_INT(model_thread_count(&cfg), 3 + 2 + 1 + 4);
}

static void test_backward(void)
{
	const uint32_t ts = 1024, C = 128;
	uint64_t u[] = {10, 200, 150, 300, 100}, a[] = {128, 256, 256, 384, 384};
	uint64_t ub[5], ab[5], pred[5];
	double t[] = {0, 10, 20, 30, 40};
	model_series_result r;
	int k;

	for (k = 0; k < 5; k++) {
		ub[k] = u[k] * ts;
		ab[k] = a[k] * ts;
	}
	CHECK_INT(model_backward(t, ab, ub, 5, ts, C, 0, pred, &r), TSM_OK);
	for (k = 0; k < 5; k++)
		CHECK_U64(pred[k], a[k] * ts);
	CHECK_INT(r.residual_chunks, 0);
	CHECK_INT(r.residual_chunks_min, 0);
	CHECK_INT(r.residual_chunks_max, 0);
	CHECK_INT(r.peak_index, 3);
	CHECK_NEAR(r.peak_time, 30, 1e-9);
	CHECK_INT(r.last_new_chunk_index, 3);
	CHECK_INT(r.chunk_steps, 3);
	CHECK_INT(r.chunks_added, 2);
	CHECK_U64(r.stranded, (384 - 100) * 1024ULL);
	CHECK_NEAR(r.utilization, 100.0 / 384.0, 1e-12);
	CHECK_U64(r.delta_items, 200);
	CHECK_U64(r.expected_plateau, 512ULL * ts);
	CHECK_U64(r.peak_in_use, 300ULL * ts);
	CHECK_INT(r.not_multiple, 0);
	CHECK_INT(r.allocated_falls, 0);

	/* an unobserved peak: allocated one chunk above the observed max */
	ab[4] = 512ULL * ts;
	model_backward(NULL, ab, ub, 5, ts, C, 0, NULL, &r);
	CHECK_INT(r.residual_chunks, 1);
	CHECK_INT(r.last_new_chunk_index, 4);
	/* a fall and a non-multiple */
	ab[4] = 100ULL * ts;
	model_backward(NULL, ab, ub, 5, ts, C, 0, NULL, &r);
	CHECK_INT(r.allocated_falls, 1);
	CHECK_INT(r.not_multiple, 1);
	CHECK(r.residual_chunks_min < 0);
	CHECK_INT(model_backward(NULL, ab, ub, 5, ts, 0, 0, NULL, &r), TSM_ERR);
	CHECK_INT(model_backward(NULL, NULL, NULL, 0, ts, C, 0, NULL, &r), TSM_OK);
	CHECK_INT(r.peak_index, MODEL_NO_INDEX);
	CHECK_U64(model_round_chunks(129, 128), 256);
	CHECK_U64(model_round_chunks(0, 128), 0);
}

static void test_fleet(void)
{
	/* two buckets trade places: 100 MiB moves from one to the other */
	uint64_t u[] = {100, 0, 50, 50, 0, 100}, a[] = {128, 0, 128, 64, 128, 128};
	model_fleet_result r;

	CHECK_INT(model_fleet_compute(u, a, 3, 2, &r), TSM_OK);
	CHECK_U64(r.sum_of_peaks, 200);
	CHECK_U64(r.peak_of_sum, 100);
	CHECK_U64(r.churn_cost, 100);
	CHECK_U64(r.allocated_last, 256);
	CHECK_U64(r.in_use_last, 100);
	CHECK_U64(r.whatif_no_freelist, 156);
	CHECK_U64(r.whatif_return_to_os, 156);
	CHECK_INT(r.snapshots, 3);
}

static int ndiag;
static uint64_t last_diag_line;

static void on_diag(void *ctx, const tsm_diag *d)
{
	(void)ctx;
	ndiag++;
	last_diag_line = d->line;
}

static void test_records(void)
{
	const char *conf = "# comment\n"
	                   "CONFIG proxy.config.allocator.thread_freelist_size INT 1024\n"
	                   "CONFIG proxy.config.allocator.thread_freelist_low_watermark INT 64\n"
	                   "CONFIG proxy.config.allocator.hugepages INT 1\n"
	                   "CONFIG proxy.config.cache.ram_cache.size INT 2G\n"
	                   "CONFIG proxy.config.exec_thread.limit INT zz\n"
	                   "CONFIG proxy.config.unknown.thing INT 7\n"
	                   "LOCAL proxy.config.task_threads INT 4\n"
	                   "CONFIG proxy.config.allocator.iobuf_chunk_sizes STRING 64,64\n";
	const char *yaml = "ts:\n"
	                   "  allocator:\n"
	                   "    thread_freelist_size: 0   # unlimited in 9.2\n"
	                   "    iobuf_chunk_sizes: \"1M:16\"\n"
	                   "  exec_thread:\n"
	                   "    autoconfig:\n"
	                   "      enabled: 0\n"
	                   "      scale: 2.5\n"
	                   "    limit: 6\n"
	                   "  cache:\n"
	                   "    ram_cache:\n"
	                   "      size: -7\n"
	                   "  other: 1\n";
	model_config cfg;
	char err[TSM_ERRLEN];

	model_config_init(&cfg, MODEL_V_7);
	ndiag = 0;
	CHECK_INT(model_records_parse(conf, strlen(conf), &cfg, on_diag, NULL), 6);
	CHECK_INT(ndiag, 1);
	CHECK_U64(last_diag_line, 6);
	CHECK_INT(cfg.thread_freelist_size, 1024);
	CHECK_INT(cfg.thread_freelist_low, 64);
	CHECK_INT(cfg.hugepages, 1);
	CHECK_INT(cfg.ram_cache_size, 2LL * 1024 * 1024 * 1024);
	CHECK_INT(cfg.task_threads, 4);
	CHECK_INT(cfg.exec_limit, 2);
	CHECK_INT(cfg.iobuf_chunk[1], 64);

	model_config_init(&cfg, MODEL_V_9_2);
	ndiag = 0;
	CHECK_INT(model_records_parse(yaml, strlen(yaml), &cfg, on_diag, NULL), 5);
	CHECK_INT(ndiag, 1);
	CHECK_U64(last_diag_line, 12);
	CHECK_INT(cfg.thread_freelist_size, 0);
	CHECK_INT(cfg.iobuf_chunk[13], 16);
	CHECK_INT(cfg.exec_autoconfig, 0);
	CHECK_NEAR(cfg.exec_scale, 2.5, 1e-12);
	CHECK_INT(cfg.exec_limit, 6);
	CHECK_INT(cfg.ram_cache_size, -1);
	CHECK_INT(model_records_load("/nonexistent/records.config", &cfg, NULL, NULL, err), TSM_ERR);
	CHECK(strstr(err, "/nonexistent/records.config") != NULL);
}

static void test_freelist(void)
{
	model_freelist f;

	model_freelist_init(&f, 4096, 128);
	CHECK_U64(model_freelist_set_used(&f, 1, 0), 1);
	CHECK_U64(f.allocated, 128);
	CHECK_U64(model_freelist_set_used(&f, 300, 1), 3);
	CHECK_U64(f.allocated, 512);
	CHECK_U64(f.races, 1);
	CHECK_U64(model_freelist_set_used(&f, 0, 0), 0);
	CHECK_U64(f.allocated, 512);
	CHECK_U64(f.used, 0);
}

/* ---- real dumps ---- */

static FILE *open_fixture(const char *file)
{
	const char *dirs[] = {getenv("TSMEM_REAL_FIXTURES"), "../shared/fixtures/real", "/work/shared/fixtures/real"};
	char path[512];
	size_t i;

	for (i = 0; i < 3; i++) {
		FILE *f;

		if (dirs[i] == NULL)
			continue;
		snprintf(path, sizeof path, "%s/%s", dirs[i], file);
		f = fopen(path, "r");
		if (f != NULL)
			return f;
	}
	fprintf(stderr, "test_model: fixture %s not found\n", file);
	return NULL;
}

/* Read the rows of the first table: "alloc | inuse | type | memory/name". */
static size_t read_rows(const char *file, model_row *rows, char names[][64], size_t max)
{
	FILE *f = open_fixture(file);
	char line[512];
	size_t n = 0;

	CHECK(f != NULL);
	if (f == NULL)
		return 0;
	while (n < max && fgets(line, sizeof line, f) != NULL) {
		unsigned long long a, u;
		unsigned ts;
		char name[64];
		int b;

		if (sscanf(line, " %llu | %llu | %u | memory/%63s", &a, &u, &ts, name) != 4)
			continue;
		snprintf(names[n], 64, "%s", name);
		rows[n].name = names[n];
		rows[n].bucket = (sscanf(name, "ioBufAllocator[%d]", &b) == 1) ? b : -1;
		rows[n].type_size = ts;
		rows[n].allocated = a;
		rows[n].in_use = u;
		rows[n].chunk_items = 0;
		n++;
	}
	fclose(f);
	return n;
}

static void test_real(void)
{
	static const char *good[] = {"04-gh5858-7.1.x-a-earlier.txt", "05-gh5858-7.1.x-b-later.txt",
		"07-gh9625-8.1.1.txt"};
	model_row rows[64];
	char names[64][64];
	model_config cfg;
	model_identity id;
	size_t i, n, k;

	model_config_init(&cfg, MODEL_V_7);
	for (i = 0; i < 3; i++) {
		n = read_rows(good[i], rows, names, 64);
		CHECK(n >= 9);
		model_identity_check(rows, n, &cfg, &id);
		CHECK_INT(id.mode, MODEL_MODE_FREELIST);
		CHECK_INT(id.first_bad_bucket, -1);
		CHECK(id.iobuf_checked >= 3);
		CHECK_INT(id.iobuf_ok, id.iobuf_checked);
		for (k = 0; k < n; k++) {
			uint32_t c = model_chunk_default(rows[k].name, rows[k].bucket, rows[k].type_size, &cfg, NULL);

			CHECK_U64(rows[k].allocated % ((uint64_t)c * rows[k].type_size), 0);
		}
	}
	/* #9625: [13] = 2,238 chunks of 32 x 1 MiB; [14] = 42 chunks of 64 MiB */
	n = read_rows("07-gh9625-8.1.1.txt", rows, names, 64);
	for (k = 0; k < n; k++) {
		uint32_t c = model_chunk_default(rows[k].name, rows[k].bucket, rows[k].type_size, &cfg, NULL);

		if (rows[k].bucket == 13)
			CHECK_U64(rows[k].allocated / rows[k].type_size / c, 2238);
		if (rows[k].bucket == 14)
			CHECK_U64(rows[k].allocated / rows[k].type_size / c, 42);
	}
	/* #5858 later: [11] = 110 chunks of 8 MiB, almost all stranded */
	n = read_rows("05-gh5858-7.1.x-b-later.txt", rows, names, 64);
	for (k = 0; k < n; k++)
		if (rows[k].bucket == 11)
			CHECK_U64(rows[k].allocated / rows[k].type_size / 32, 110);
	/* 02: reclaimable fork — [8] 744 items breaks the identity, [4],[3] merged away */
	model_config_init(&cfg, MODEL_V_5_3);
	n = read_rows("02-efengcloud-issue6-fork3.2.txt", rows, names, 64);
	CHECK(n >= 12);
	model_identity_check(rows, n, &cfg, &id);
	CHECK_INT(id.mode, MODEL_MODE_RECLAIMABLE);
	CHECK_INT(id.first_bad_bucket, 8);
	CHECK_INT(id.missing_iobuf, 1);
	CHECK(id.iobuf_ok < id.iobuf_checked);
	/* malloc mode and empty */
	rows[0].allocated = 0;
	rows[0].in_use = 0;
	model_identity_check(rows, 1, &cfg, &id);
	CHECK_INT(id.mode, MODEL_MODE_EMPTY);
	rows[0].in_use = 2 * rows[0].type_size;
	model_identity_check(rows, 1, &cfg, &id);
	CHECK_INT(id.mode, MODEL_MODE_MALLOC);
}

int main(void)
{
	test_chunks();
	test_infer_pick();
	test_threads();
	test_backward();
	test_fleet();
	test_records();
	test_freelist();
	test_real();
	return TEST_DONE();
}
