package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"testing"
)

// runtimeGoroutines is the number of goroutines of this process.
func runtimeGoroutines() int { return runtime.NumGoroutine() }

// liveHeap forces a collection and returns the heap in use: the live
// heap, without the garbage of the moment.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, append(data, '\n'))
}

// loadAvg is the machine's 1-minute load average (0 where /proc/loadavg
// is missing): the machine is shared, so figures carry it.
func loadAvg() float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	fmt.Sscan(string(raw), &l)
	return l
}
