#!/usr/bin/env python3
"""How much a page fault costs here, with 4 KB and with 2 MB (transparent huge) pages.

    /usr/bin/python3 src/test/python/thp_touch.py

Maps 512 MB of anonymous memory six times in a row (with or without madvise(MADV_HUGEPAGE)),
touches every 4 KB page once, unmaps; prints wall/system seconds of each round and the
steal ticks. Explains the huge-pages measurements in src/docs/benchmark-results.md.
"""
import mmap
import os
import time

SIZE = 512 << 20


def run(huge, n=6):
    out = []
    for _ in range(n):
        t0 = time.time()
        r0 = os.times()
        m = mmap.mmap(-1, SIZE + (2 << 20), flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        if huge:
            m.madvise(mmap.MADV_HUGEPAGE)
        for off in range(0, SIZE, 4096):
            m[off] = 1
        m.close()
        r1 = os.times()
        out.append((time.time() - t0, r1.system - r0.system))
    return out


def steal():
    with open("/proc/stat") as f:
        return int(f.readline().split()[8])


for huge in (False, True, False, True):
    s0 = steal()
    res = run(huge)
    print("2 MB" if huge else "4 KB", " ".join("%.2f/%.2f" % r for r in res), "steal ticks", steal() - s0)
