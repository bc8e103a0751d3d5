package storetest

import "testing"

// runAll is filled in by the suite's tests (placeholder while it is written).
func runAll(t *testing.T, f Factory, features Features) {}
