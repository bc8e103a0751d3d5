//go:build unix

package streams

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used
// so far, GC included; PostgreSQL's own processes are not counted.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
