package group

import (
	"errors"
	"testing"
	"time"
)

// TestStaticRejoinWithNewMetadata: a static member returning to a Stable
// group with different metadata but the same protocols keeps the group
// Stable at its generation (the selected protocol does not change); one
// whose protocols change the group's choice starts a rebalance.
func TestStaticRejoinWithNewMetadata(t *testing.T) {
	h := newHarness(t, nil)
	inst := "instance-1"
	c := h.join(JoinRequest{Group: "g", InstanceID: &inst, ClientID: "c", Protocols: []Protocol{{Name: "range", Metadata: []byte("gen -1")}}})
	id := c.res.MemberID
	h.sync(SyncRequest{Group: "g", MemberID: id, InstanceID: &inst, Generation: 1, Assignments: map[string][]byte{id: []byte("a")}})

	r := h.join(JoinRequest{Group: "g", InstanceID: &inst, ClientID: "c", Protocols: []Protocol{{Name: "range", Metadata: []byte("gen 1")}}})
	if !r.done() || r.res.Err != nil || r.res.Generation != 1 || h.state("g") != Stable {
		t.Fatalf("new metadata, same protocol: %+v, state %v; want generation 1 and Stable", r.res, h.state("g"))
	}
	if got := string(h.s.groups["g"].members[r.res.MemberID].metadataFor("range")); got != "gen 1" {
		t.Fatalf("the member's stored metadata is %q, want the new %q", got, "gen 1")
	}

	// Preferring a protocol the group can now choose (every member supports
	// it) changes the choice.
	r = h.join(JoinRequest{Group: "g", InstanceID: &inst, ClientID: "c", Protocols: []Protocol{{Name: "sticky", Metadata: []byte("x")}, {Name: "range", Metadata: []byte("gen 1")}}})
	if h.state("g") == Stable && r.done() && r.res.Generation == 1 {
		t.Fatalf("a protocol change kept the group Stable: %+v", r.res)
	}
	h.env.advance(5 * time.Second)
	if !r.done() || r.res.Err != nil || r.res.Generation != 2 || r.res.Protocol != "sticky" {
		t.Fatalf("after the protocol change: %+v, want generation 2 on sticky", r.res)
	}
}

// TestAnsweredSyncRestartsSession: a follower waits in SyncGroup for a
// leader that never syncs, longer than its own session. The leader is
// removed at the rebalance timeout and the follower answered
// REBALANCE_IN_PROGRESS; it then has a whole session to rejoin, and leads
// the next generation.
func TestAnsweredSyncRestartsSession(t *testing.T) {
	h := newHarness(t, nil)
	a, ca := h.joinNew("g")
	h.sync(SyncRequest{Group: "g", MemberID: a, Generation: ca.res.Generation, Assignments: map[string][]byte{a: []byte("x")}})
	b, cb := h.joinNew("g") // starts a rebalance; a must rejoin
	ca = h.join(JoinRequest{Group: "g", MemberID: a, ClientID: "c", SessionTimeout: 10 * time.Second, RebalanceTimeout: 2 * time.Second})
	if !ca.done() || !cb.done() || ca.res.LeaderID != a {
		t.Fatalf("rebalance: a %+v, b %+v", ca.res, cb.res)
	}
	// b (session 1 s) syncs and waits; a never syncs.
	sb := h.sync(SyncRequest{Group: "g", MemberID: b, Generation: cb.res.Generation})
	h.env.advance(2*time.Second + time.Millisecond) // the rebalance timeout
	if sb.res == nil || !errors.Is(sb.res.Err, ErrRebalanceInProgress) {
		t.Fatalf("b's sync: %+v, want REBALANCE_IN_PROGRESS", sb.res)
	}
	h.env.advance(900 * time.Millisecond) // inside b's new session
	rb := h.join(JoinRequest{Group: "g", MemberID: b, ClientID: "c"})
	if !rb.done() || rb.res.Err != nil || rb.res.LeaderID != b || len(h.members("g")) != 1 {
		t.Fatalf("b's rejoin: %+v, members %v; want b leading alone", rb.res, h.members("g"))
	}
}
