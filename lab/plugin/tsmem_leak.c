/*
 * tsmem_leak.c — a Traffic Server plugin that leaks memory on purpose, for
 * tsmem's lab (lab/README.md).  Built by lab/run.py against ts/ts.h.
 *
 * Every request that carries the header `X-Tsmem-Leak` counts; every
 * EVERY-th of them triggers one action of KIND:
 *
 *   iobuf  TSIOBufferSizedCreate(INDEX) + one TSIOBufferWrite, never
 *          destroyed: one item each in ioBufAllocator[INDEX],
 *          ioBlockAllocator, ioDataAllocator and ioAllocator, for good.
 *   cont   TSContCreate, never destroyed: one INKContAllocator item.
 *   hold   as iobuf, but destroyed HOLD seconds (server time) later: a
 *          slow release, not a leak.
 *
 * The header's value, when it is a number, overrides INDEX for that request.
 * plugin.config:  tsmem_leak.so [--kind=iobuf|cont|hold] [--index=0..14]
 *                               [--every=N] [--hold=SECONDS]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ts/ts.h>

#define PLUGIN_NAME "tsmem_leak"
#define LEAK_HEADER "X-Tsmem-Leak"

enum kind { KIND_IOBUF, KIND_CONT, KIND_HOLD };

static enum kind leak_kind = KIND_IOBUF;
static int leak_index = 0;
static long leak_every = 1;
static long hold_seconds = 3600;
static atomic_long seen;
static atomic_long leaked;

static int
noop_handler(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  (void)event;
  (void)edata;
  return 0;
}

/* Releases the IOBuffer a `hold` action created, then itself. */
static int
release_handler(TSCont contp, TSEvent event, void *edata)
{
  (void)event;
  (void)edata;
  TSIOBuffer buf = TSContDataGet(contp);
  TSIOBufferDestroy(buf);
  TSContDestroy(contp);
  return 0;
}

static TSIOBuffer
make_buffer(int index)
{
  static const char payload[64] = "tsmem lab: this buffer is held on purpose";
  TSIOBuffer buf = TSIOBufferSizedCreate((TSIOBufferSizeIndex)index);
  TSIOBufferWrite(buf, payload, sizeof payload);
  return buf;
}

static void
act(int index)
{
  switch (leak_kind) {
  case KIND_IOBUF:
    (void)make_buffer(index); /* never destroyed: the leak */
    break;
  case KIND_CONT:
    (void)TSContCreate(noop_handler, NULL); /* never destroyed */
    break;
  case KIND_HOLD: {
    TSCont c = TSContCreate(release_handler, TSMutexCreate());
    TSContDataSet(c, make_buffer(index));
    TSContScheduleOnPool(c, (TSHRTime)hold_seconds * 1000, TS_THREAD_POOL_TASK);
    break;
  }
  }
  atomic_fetch_add(&leaked, 1);
  TSNote("[%s] act %d", PLUGIN_NAME, index);
}

static int
txn_handler(TSCont contp, TSEvent event, void *edata)
{
  (void)contp;
  TSHttpTxn txn = edata;
  TSMBuffer bufp;
  TSMLoc hdr;

  if (event == TS_EVENT_HTTP_READ_REQUEST_HDR && TSHttpTxnClientReqGet(txn, &bufp, &hdr) == TS_SUCCESS) {
    TSMLoc field = TSMimeHdrFieldFind(bufp, hdr, LEAK_HEADER, (int)strlen(LEAK_HEADER));
    if (field != TS_NULL_MLOC) {
      int len = 0;
      const char *v = TSMimeHdrFieldValueStringGet(bufp, hdr, field, -1, &len);
      int index = leak_index;
      if (v != NULL && len > 0 && len < 3 && v[0] >= '0' && v[0] <= '9') {
        int n = v[0] - '0';
        if (len == 2 && v[1] >= '0' && v[1] <= '9')
          n = n * 10 + (v[1] - '0');
        if (n <= 14)
          index = n;
      }
      if (atomic_fetch_add(&seen, 1) % leak_every == leak_every - 1)
        act(index);
      TSHandleMLocRelease(bufp, hdr, field);
    }
    TSHandleMLocRelease(bufp, TS_NULL_MLOC, hdr);
  }
  TSHttpTxnReenable(txn, TS_EVENT_HTTP_CONTINUE);
  return 0;
}

void
TSPluginInit(int argc, const char *argv[])
{
  TSPluginRegistrationInfo info = {PLUGIN_NAME, "tsmem", "tsmem@localhost"};
  if (TSPluginRegister(&info) != TS_SUCCESS) {
    TSError("[%s] registration failed", PLUGIN_NAME);
    return;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--kind=", 7) == 0) {
      if (strcmp(a + 7, "cont") == 0)
        leak_kind = KIND_CONT;
      else if (strcmp(a + 7, "hold") == 0)
        leak_kind = KIND_HOLD;
      else
        leak_kind = KIND_IOBUF;
    } else if (strncmp(a, "--index=", 8) == 0) {
      leak_index = atoi(a + 8);
    } else if (strncmp(a, "--every=", 8) == 0) {
      leak_every = atol(a + 8);
    } else if (strncmp(a, "--hold=", 7) == 0) {
      hold_seconds = atol(a + 7);
    } else {
      TSError("[%s] unknown argument %s", PLUGIN_NAME, a);
    }
  }
  if (leak_index < 0 || leak_index > 14)
    leak_index = 0;
  if (leak_every < 1)
    leak_every = 1;
  TSHttpHookAdd(TS_HTTP_READ_REQUEST_HDR_HOOK, TSContCreate(txn_handler, NULL));
}
