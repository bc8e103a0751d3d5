package eventstore

import (
	"errors"
	"testing"
)

func TestExpectedVersionSatisfiedAndCheck(t *testing.T) {
	const n = 7
	cases := []struct {
		exp  ExpectedVersion
		str  string
		want map[Version]bool // actual version -> satisfied
	}{
		{Any(), "any", map[Version]bool{0: true, 1: true, n: true}},
		{ExpectedVersion{}, "any", map[Version]bool{0: true, 1: true, n: true}},
		{NoStream(), "no-stream", map[Version]bool{0: true, 1: false, n: false}},
		{Exact(0), "no-stream", map[Version]bool{0: true, 1: false, n: false}},
		{StreamExists(), "stream-exists", map[Version]bool{0: false, 1: true, n: true}},
		{Exact(1), "1", map[Version]bool{0: false, 1: true, n: false}},
		{Exact(n), "7", map[Version]bool{0: false, 1: false, n: true}},
	}
	for _, c := range cases {
		if got := c.exp.String(); got != c.str {
			t.Errorf("String() = %q, want %q", got, c.str)
		}
		for actual, ok := range c.want {
			if got := c.exp.Satisfied(actual); got != ok {
				t.Errorf("%s.Satisfied(%d) = %v, want %v", c.exp, actual, got, ok)
			}
			err := c.exp.Check("s-1", actual)
			if ok {
				if err != nil {
					t.Errorf("%s.Check(%d) = %v, want nil", c.exp, actual, err)
				}
				continue
			}
			var ce *ConcurrencyError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConcurrency) {
				t.Fatalf("%s.Check(%d) = %v, want *ConcurrencyError", c.exp, actual, err)
			}
			if ce.Stream != "s-1" || ce.Expected != c.exp || ce.Actual != actual {
				t.Errorf("%s.Check(%d) = %+v", c.exp, actual, ce)
			}
		}
	}
}

func TestExpectedVersionAccessors(t *testing.T) {
	if !Any().IsAny() || Any().IsNoStream() || !NoStream().IsNoStream() || !StreamExists().IsStreamExists() {
		t.Fatal("mode predicates disagree with constructors")
	}
	if v, ok := Exact(5).ExactVersion(); !ok || v != 5 {
		t.Fatalf("Exact(5).ExactVersion() = %d, %v", v, ok)
	}
	if _, ok := Exact(0).ExactVersion(); ok {
		t.Fatal("Exact(0) is an exact expectation; want NoStream")
	}
	if _, ok := Any().ExactVersion(); ok {
		t.Fatal("Any() is an exact expectation")
	}
}

func TestParseExpectedVersion(t *testing.T) {
	cases := []struct {
		in   string
		want ExpectedVersion
		bad  bool
	}{
		{"", Any(), false},
		{"any", Any(), false},
		{"no-stream", NoStream(), false},
		{"stream-exists", StreamExists(), false},
		{"0", NoStream(), false},
		{"1", Exact(1), false},
		{"18446744073709551615", Exact(1<<64 - 1), false},
		{"18446744073709551616", ExpectedVersion{}, true},
		{"-1", ExpectedVersion{}, true},
		{"ANY", ExpectedVersion{}, true},
		{" 1", ExpectedVersion{}, true},
		{"1.5", ExpectedVersion{}, true},
	}
	for _, c := range cases {
		got, err := ParseExpectedVersion(c.in)
		if c.bad {
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != "expected_version" || ie.Rule != "format" {
				t.Errorf("ParseExpectedVersion(%q) = %v, %v; want an InputError", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseExpectedVersion(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if back, err := ParseExpectedVersion(got.String()); err != nil || back != got {
			t.Errorf("ParseExpectedVersion(%q) = %v, %v; does not round-trip", got.String(), back, err)
		}
	}
}

// FuzzParseExpectedVersion: parsing never panics, failures are InputErrors,
// and what parses renders to a string that parses to the same value.
func FuzzParseExpectedVersion(f *testing.F) {
	for _, s := range []string{"", "any", "no-stream", "stream-exists", "0", "42", "-1", "18446744073709551616"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpectedVersion(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("ParseExpectedVersion(%q): %v is not ErrInvalidInput", s, err)
			}
			return
		}
		back, err := ParseExpectedVersion(e.String())
		if err != nil || back != e {
			t.Fatalf("ParseExpectedVersion(%q) = %v, but %q parses to %v, %v", s, e, e.String(), back, err)
		}
	})
}
