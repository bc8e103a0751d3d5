//go:build unix

package schemas_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) the process has used so
// far, GC included: on a shared machine it varies less than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
