package group

import (
	"bytes"
	"slices"
	"time"
)

// State is a classic group's state (Kafka's GroupState names).
type State int8

// The states of Kafka's GroupMetadata.
const (
	// Empty: no members; offsets may remain. A join starts a rebalance.
	Empty State = iota
	// PreparingRebalance: waiting for members to (re)join.
	PreparingRebalance
	// CompletingRebalance: joined; waiting for the leader's assignment.
	CompletingRebalance
	// Stable: assignments handed out; members heartbeat.
	Stable
	// Dead: removed (deleted or expired); transient.
	Dead
)

var stateNames = [...]string{"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}

// String is Kafka's name for the state, as DescribeGroups and ListGroups
// report it.
func (s State) String() string { return stateNames[s] }

// parseState reads a state name case-insensitively (ListGroups v4 filter).
func parseState(name string) (State, bool) {
	for i, n := range stateNames {
		if equalFold(n, name) {
			return State(i), true
		}
	}
	return 0, false
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

// member is one group member.
type member struct {
	id               string
	instanceID       *string
	clientID         string
	clientHost       string
	sessionTimeout   time.Duration
	rebalanceTimeout time.Duration
	protocols        []Protocol
	assignment       []byte
	// joinReply is set while the member awaits the end of the join phase;
	// syncReply while it awaits its assignment.
	joinReply func(JoinResult)
	syncReply func(SyncResult)
}

// metadataFor is the member's metadata for protocol, or nil.
func (m *member) metadataFor(protocol string) []byte {
	for _, p := range m.protocols {
		if p.Name == protocol {
			return p.Metadata
		}
	}
	return nil
}

// matches reports whether the member's protocols equal ps (a rejoin that
// changes nothing does not need a rebalance).
func (m *member) matches(ps []Protocol) bool {
	return slices.EqualFunc(m.protocols, ps, func(a, b Protocol) bool {
		return a.Name == b.Name && bytes.Equal(a.Metadata, b.Metadata)
	})
}

// offsetEntry is one committed offset.
type offsetEntry struct {
	offset      int64
	leaderEpoch int32
	metadata    string
	commitTime  int64 // ms
}

// group is one classic group with its offsets.
type group struct {
	id         string
	state      State
	stateTime  time.Time // when the current state began (KIP-211 retention)
	generation int32
	// protocolType is "" for a group that only stores offsets (never
	// joined): Kafka's protocolType None.
	protocolType string
	protocol     string // selected protocol, "" between generations
	leader       string
	members      map[string]*member
	order        []string // member ids in join order
	pending      map[string]bool
	static       map[string]string // instance id → member id
	offsets      map[TopicPartition]offsetEntry
	// persisted is the group metadata value last written (nil: none live),
	// which is what a rewrite copies: in-flight changes are not persisted.
	persisted []byte
	// Rebalance bookkeeping: the initial delayed join (group started
	// Empty) and whether it saw new members in its last delay.
	initialDelay   bool
	newMemberAdded bool
}

func newGroup(id string, now time.Time) *group {
	return &group{id: id, stateTime: now, members: map[string]*member{}, pending: map[string]bool{},
		static: map[string]string{}, offsets: map[TopicPartition]offsetEntry{}}
}

// add puts m in the group; the first member leads.
func (g *group) add(m *member) {
	g.members[m.id] = m
	g.order = append(g.order, m.id)
	if m.instanceID != nil {
		g.static[*m.instanceID] = m.id
	}
	delete(g.pending, m.id)
	if g.leader == "" {
		g.leader = m.id
	}
}

// remove takes m out; a new leader is the longest-standing member.
func (g *group) remove(id string) {
	m := g.members[id]
	if m == nil {
		return
	}
	delete(g.members, id)
	g.order = slices.DeleteFunc(g.order, func(x string) bool { return x == id })
	if m.instanceID != nil && g.static[*m.instanceID] == id {
		delete(g.static, *m.instanceID)
	}
	if g.leader == id {
		g.leader = ""
		if len(g.order) > 0 {
			g.leader = g.order[0]
		}
	}
}

// replace moves a static member to a new member id (KIP-345), keeping its
// place, assignment and leadership.
func (g *group) replace(oldID, newID string) *member {
	m := g.members[oldID]
	delete(g.members, oldID)
	m.id = newID
	g.members[newID] = m
	for i, x := range g.order {
		if x == oldID {
			g.order[i] = newID
		}
	}
	g.static[*m.instanceID] = newID
	if g.leader == oldID {
		g.leader = newID
	}
	return m
}

// fenced reports a static member id mismatch: the instance id is held by
// another member id (KIP-345).
func (g *group) fenced(instanceID *string, memberID string) bool {
	if instanceID == nil {
		return false
	}
	cur, ok := g.static[*instanceID]
	return ok && cur != memberID
}

// supports reports whether a member with this protocol type and protocols
// can join (Kafka's supportsProtocols).
func (g *group) supports(protocolType string, ps []Protocol) bool {
	if len(g.members) == 0 {
		return protocolType != "" && len(ps) > 0
	}
	if protocolType != g.protocolType {
		return false
	}
	return len(g.candidates(ps)) > 0
}

// candidates are the protocol names every member supports, intersected
// with extra when given, in the order of the longest-standing member.
func (g *group) candidates(extra []Protocol) []string {
	var out []string
	var first []Protocol
	if len(g.order) > 0 {
		first = g.members[g.order[0]].protocols
	} else {
		first = extra
	}
	for _, p := range first {
		ok := true
		for _, m := range g.members {
			if !hasProtocol(m.protocols, p.Name) {
				ok = false
				break
			}
		}
		if ok && extra != nil && !hasProtocol(extra, p.Name) {
			ok = false
		}
		if ok {
			out = append(out, p.Name)
		}
	}
	return out
}

func hasProtocol(ps []Protocol, name string) bool {
	return slices.ContainsFunc(ps, func(p Protocol) bool { return p.Name == name })
}

// selectProtocol is Kafka's vote: each member votes for the first of its
// protocols that all members support; the most votes win (ties go to the
// earlier candidate).
func (g *group) selectProtocol() string {
	cands := g.candidates(nil)
	votes := map[string]int{}
	for _, m := range g.members {
		for _, p := range m.protocols {
			if slices.Contains(cands, p.Name) {
				votes[p.Name]++
				break
			}
		}
	}
	best := ""
	for _, c := range cands {
		if best == "" || votes[c] > votes[best] {
			best = c
		}
	}
	return best
}

// allJoined: every member has rejoined and no new member is still to come.
func (g *group) allJoined() bool {
	if len(g.pending) > 0 {
		return false
	}
	for _, m := range g.members {
		if m.joinReply == nil {
			return false
		}
	}
	return true
}

// rebalanceTimeout is the longest of the members' rebalance timeouts.
func (g *group) rebalanceTimeout() time.Duration {
	var d time.Duration
	for _, m := range g.members {
		d = max(d, m.rebalanceTimeout)
	}
	return d
}

// removable: nothing left worth keeping (Kafka removes such a group).
func (g *group) removable() bool {
	return g.state == Empty && len(g.members) == 0 && len(g.pending) == 0 && len(g.offsets) == 0
}
