//go:build !unix

package schemas

import (
	"testing"
	"time"
)

func ProcessCPU() time.Duration { return 0 }

// ReportCPU reports nothing where getrusage is missing.
func ReportCPU(*testing.B, time.Duration) {}
