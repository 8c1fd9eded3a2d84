/**
 * @file sysmem.h
 * @brief The memory this process may use: the smaller of the node's MemAvailable
 *        (/proc/meminfo) and the headroom of its cgroup (memory.max - memory.current in cgroup
 *        v2, memory.limit_in_bytes - memory.usage_in_bytes in v1). Serial, Linux; elsewhere
 *        "unknown".
 */
#ifndef RWPO_SYSMEM_H
#define RWPO_SYSMEM_H

#include <stddef.h>

/**
 * Bytes available to this process's node (shared by the node's ranks), and what limits them in
 * `what` ("MemAvailable" or "the cgroup limit"). @return the bytes, or a negative value when not
 * known.
 */
double sysmem_available(char *what, size_t n);

/**
 * Bytes this process may still map under its address-space limit (RLIMIT_AS, `ulimit -v`): the
 * limit minus the current VmSize. @return the bytes, or a negative value when there is no limit.
 */
double sysmem_process_room(void);

#endif /* RWPO_SYSMEM_H */
