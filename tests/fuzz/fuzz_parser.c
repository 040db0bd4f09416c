/* fuzz_parser.c — libFuzzer target over the parser: any bytes, fed in two
 * pieces split at a position taken from the input, must parse without a
 * crash, a sanitizer report or a leak.  Build and run: `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../parser/parser.h"

static int on_dump(void *ctx, const parser_dump *d)
{
	size_t i;
	uint64_t *sum = ctx;

	for (i = 0; i < d->nrows; i++)
		*sum += d->rows[i].allocated ^ d->rows[i].in_use;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t sum = 0;
	parser_callbacks cb = {&sum, on_dump, NULL, NULL, NULL, NULL};
	parser *p = parser_new(&cb, NULL);
	size_t cut = size ? data[0] % (size + 1) : 0;

	if (p == NULL)
		return 0;
	parser_feed(p, (const char *)data, cut);
	parser_feed(p, (const char *)data + cut, size - cut);
	parser_finish(p);
	parser_free(p);
	return 0;
}
