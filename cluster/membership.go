package cluster

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tern-db/tern/proto/errs"
)

// ServiceName is the Consul service executor nodes register as.
const ServiceName = "tern-node"

// Membership says which nodes may run fragments now.
type Membership interface {
	// Nodes lists the addresses (host:port) of the nodes that are up, sorted.
	Nodes() []string
	// Why says why there is no node (empty when Nodes is not empty or nothing is known).
	Why() string
}

// Joiner is an optional capability of a Membership: when a node last joined (appeared after
// being absent). A node that failed and has since rejoined is used again at once.
type Joiner interface {
	JoinedAt(addr string) time.Time
}

// Static is a fixed list of nodes (`tern serve --nodes`): all are assumed up; Remote skips
// one that failed for a while and tries it again later.
type Static struct{ addrs []string }

// ParseStatic parses a comma-separated host:port list.
func ParseStatic(list string) (*Static, error) {
	var out []string
	for _, a := range strings.Split(list, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if !strings.Contains(a, ":") {
			return nil, errs.Errorf(errs.ErrInvalidArgument, "node address %q is not host:port", a)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, errs.Errorf(errs.ErrInvalidArgument, "--nodes names no node")
	}
	slices.Sort(out)
	return &Static{addrs: slices.Compact(out)}, nil
}

func (s *Static) Nodes() []string { return slices.Clone(s.addrs) }
func (s *Static) Why() string     { return "" }

// set is a membership list updated by a watcher.
type set struct {
	mu     sync.Mutex
	addrs  []string
	why    string
	joined map[string]time.Time
}

func (s *set) JoinedAt(addr string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.joined[addr]
}

func (s *set) Nodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.addrs)
}

func (s *set) Why() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.why
}

func (s *set) update(addrs []string, why string) (changed bool) {
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	s.mu.Lock()
	defer s.mu.Unlock()
	changed = !slices.Equal(s.addrs, addrs)
	joined := make(map[string]time.Time, len(addrs))
	now := time.Now()
	for _, a := range addrs {
		if t, ok := s.joined[a]; ok {
			joined[a] = t
		} else {
			joined[a] = now
		}
	}
	s.addrs, s.why, s.joined = addrs, why, joined
	return changed
}
