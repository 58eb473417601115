package memlimit

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Available returns the smallest of the cgroup's memory limit (v2
// memory.max, or v1 memory.limit_in_bytes), the address-space limit
// (RLIMIT_AS) and the machine's MemAvailable, in bytes, and which it is; 0
// when none is known.
func Available() (int64, string) {
	best, what := int64(0), ""
	consider := func(n int64, w string) {
		if n > 0 && (best == 0 || n < best) {
			best, what = n, w
		}
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(p); err == nil {
			s := string(bytes.TrimSpace(b))
			// "max" (v2) or a huge page-rounded number (v1) means no limit.
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n < 1<<60 {
				consider(n, "the cgroup's memory limit")
			}
			break
		}
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur != ^uint64(0) && rl.Cur < 1<<62 {
		consider(int64(rl.Cur), "the address-space limit (ulimit -v)")
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
				fs := strings.Fields(rest)
				if len(fs) == 2 && fs[1] == "kB" {
					if n, err := strconv.ParseInt(fs[0], 10, 64); err == nil {
						consider(n<<10, "available")
					}
				}
				break
			}
		}
	}
	return best, what
}
