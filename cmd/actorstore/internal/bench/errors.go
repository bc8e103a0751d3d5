package bench

import "fmt"

// ConfigError is a bad Config field: nothing was run.
type ConfigError struct {
	Field   string
	Message string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("bench: %s: %s", e.Field, e.Message) }

// ScenarioError is a scenario that could not run (its setup failed, or it
// could not finish: for example fan-out subscribers that never received
// all events). Results of scenarios run before it are still in the Report.
type ScenarioError struct {
	Scenario string
	Err      error
}

func (e *ScenarioError) Error() string {
	return fmt.Sprintf("bench: scenario %s: %v", e.Scenario, e.Err)
}

// Unwrap returns the cause.
func (e *ScenarioError) Unwrap() error { return e.Err }
