/**
 * @file sysmem.c
 * @brief Available memory (see sysmem.h).
 */
#include "rwpo/base/sysmem.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

/* The first number in a file (a cgroup limit or usage), or -1 ("max" and unreadable files). */
static double read_number(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1.0;
    double v = -1.0;
    if (fscanf(f, "%lf", &v) != 1)
        v = -1.0;
    fclose(f);
    return v;
}

/* MemAvailable of /proc/meminfo in bytes, or -1. */
static double mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1.0;
    char line[256];
    double kb = -1.0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
            break;
    fclose(f);
    return kb >= 0 ? kb * 1024.0 : -1.0;
}

/* The headroom of this process's cgroup, or -1 when it has no limit. */
static double cgroup_headroom(void)
{
    char rel[1024] = "", path[1400];
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f) { /* v2: the line "0::/path" */
        char line[1100];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "0::", 3) == 0) {
                snprintf(rel, sizeof rel, "%.1000s", line + 3);
                rel[strcspn(rel, "\n")] = '\0';
            }
        fclose(f);
    }
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", rel);
    double limit = read_number(path), usage;
    if (limit > 0) {
        snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.current", rel);
        usage = read_number(path);
    } else {
        limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
        usage = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
        if (limit > 1e18) /* v1 writes a huge number for "no limit" */
            limit = -1.0;
    }
    return limit > 0 ? limit - (usage > 0 ? usage : 0.0) : -1.0;
}

double sysmem_available(char *what, size_t n)
{
    const double avail = mem_available(), room = cgroup_headroom();
    if (room >= 0 && (avail < 0 || room < avail)) {
        snprintf(what, n, "the cgroup limit");
        return room;
    }
    snprintf(what, n, "MemAvailable");
    return avail;
}

double sysmem_process_room(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return -1.0;
    double vm_kb = 0.0;
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmSize: %lf kB", &vm_kb) == 1)
                break;
        fclose(f);
    }
    const double room = (double)rl.rlim_cur - vm_kb * 1024.0;
    return room > 0 ? room : 0.0;
}
