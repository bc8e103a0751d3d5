package actors

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// vitals are the actors a System cannot serve without (see MarkVital).
type vitals struct {
	mu  sync.Mutex
	pid map[string]*PID // by name
}

// MarkVital records pid, a long-lived actor of this system, as vital under
// name: CheckVital fails while it is not running. Vital actors are
// supervised (a panic restarts them, keeping their PID); one that stops for
// good, whatever the cause, makes the node unready so that its supervisor
// (systemd, Kubernetes) restarts the process. Marking a name again replaces
// its PID. Safe for concurrent use.
func (s *System) MarkVital(name string, pid *PID) {
	s.vital.mu.Lock()
	defer s.vital.mu.Unlock()
	if s.vital.pid == nil {
		s.vital.pid = map[string]*PID{}
	}
	s.vital.pid[name] = pid
}

// Alive reports whether pid is an actor of this system that is running
// (not stopped). Remote PIDs are never alive here.
func (s *System) Alive(pid *PID) bool {
	if pid == nil || (pid.Address != s.as.Address() && pid.Address != "nonhost") {
		return false
	}
	_, ok := s.as.ProcessRegistry.GetLocal(pid.Id)
	return ok
}

// CheckVital returns an error naming every vital actor (MarkVital) that is
// no longer running, or nil when all run.
func (s *System) CheckVital() error {
	s.vital.mu.Lock()
	var gone []string
	for name, pid := range s.vital.pid {
		if !s.Alive(pid) {
			gone = append(gone, name)
		}
	}
	s.vital.mu.Unlock()
	if len(gone) == 0 {
		return nil
	}
	slices.Sort(gone)
	return fmt.Errorf("vital actor stopped: %s", strings.Join(gone, ", "))
}
