package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memoryLimitShare is the part of the container's memory limit given to the
// Go runtime as its soft limit: the rest is for what the runtime does not
// count (the binary's mapped pages, thread stacks outside the heap, the
// SQLite page cache's slack), so the GC works harder before the kernel
// kills the process.
const memoryLimitShare = 0.9

// cgroupMemoryLimit is the memory limit of the cgroup this process runs in,
// under root (normally /sys/fs/cgroup): cgroup v2's memory.max, else v1's
// memory/memory.limit_in_bytes. 0 when there is none, or it cannot be read.
func cgroupMemoryLimit(root string) int64 {
	for _, f := range []string{"memory.max", filepath.Join("memory", "memory.limit_in_bytes")} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if s == "max" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		// cgroup v1 writes "no limit" as a page-rounded MaxInt64.
		if err != nil || n <= 0 || n >= 1<<62 {
			return 0
		}
		return n
	}
	return 0
}

// goMemoryLimit is the soft memory limit serve gives the Go runtime when
// GOMEMLIMIT is not set: memoryLimitShare of the container's limit, or 0
// (leave the runtime's default, no limit) when GOMEMLIMIT is set or the
// container has no limit.
func goMemoryLimit(lookupEnv func(string) (string, bool), cgroupRoot string) int64 {
	if _, set := lookupEnv("GOMEMLIMIT"); set {
		return 0
	}
	return int64(float64(cgroupMemoryLimit(cgroupRoot)) * memoryLimitShare)
}
