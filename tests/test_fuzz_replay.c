/* test_fuzz_replay.c — replay the fuzz corpus (tests/fuzz/corpus/) and
 * every crash found so far (tests/fuzz/crashes/) through the same entry
 * point as the libFuzzer target, in every build of `make check` (plain,
 * ASan+UBSan, valgrind).  Each input must parse to the end.
 */
#include <dirent.h>
#include <stdlib.h>

#include "testlib.h"
#include "fuzz/fuzz_parser.c"

static int replay_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (dp == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL) {
		char path[1024];
		FILE *f;
		char *buf;
		long len;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (f == NULL)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)len + 1);
		if (buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			CHECK(LLVMFuzzerTestOneInput((const uint8_t *)buf, (size_t)len) == 0);
			n++;
		}
		free(buf);
		fclose(f);
	}
	closedir(dp);
	return n;
}

int main(void)
{
	int n = replay_dir("tests/fuzz/corpus");
	CHECK(n >= 10);
	replay_dir("tests/fuzz/crashes");
	return TEST_DONE();
}
