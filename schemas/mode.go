package schemas

import "fmt"

// Mode says what Validate does with an event type's problems.
type Mode uint8

const (
	// ModeUnset is the zero Mode: the type follows its default (ModeStrict
	// for registered types, the registry's default mode for the others).
	ModeUnset Mode = iota
	// ModeStrict rejects an event with any problem, and an event whose type
	// or version is not registered.
	ModeStrict
	// ModeWarn accepts every event and returns its problems as warnings.
	ModeWarn
	// ModeOff checks nothing.
	ModeOff
)

func (m Mode) String() string {
	switch m {
	case ModeStrict:
		return "strict"
	case ModeWarn:
		return "warn"
	case ModeOff:
		return "off"
	}
	return "unset"
}

// ParseMode parses "strict", "warn" or "off".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "strict":
		return ModeStrict, nil
	case "warn":
		return ModeWarn, nil
	case "off":
		return ModeOff, nil
	}
	return ModeUnset, fmt.Errorf("schemas: unknown mode %q (want strict, warn or off)", s)
}
