package group

import (
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestJoinValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  JoinRequest
		want error
	}{
		{"empty group id", JoinRequest{Group: ""}, ErrInvalidGroupID},
		{"session timeout too small", JoinRequest{Group: "g", SessionTimeout: time.Millisecond}, ErrInvalidSessionTimeout},
		{"session timeout too large", JoinRequest{Group: "g", SessionTimeout: time.Hour}, ErrInvalidSessionTimeout},
		{"no protocols", JoinRequest{Group: "g", Protocols: []Protocol{}}, ErrInconsistentProtocol},
		{"unknown member of an unknown group", JoinRequest{Group: "g", MemberID: "m"}, ErrUnknownMemberID},
		{"member id required", JoinRequest{Group: "g", RequireKnownMemberID: true}, ErrMemberIDRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *Options) { o.MaxSessionTimeout = time.Minute })
			c := h.join(tc.req)
			if !c.done() || !errors.Is(c.res.Err, tc.want) {
				t.Fatalf("got %+v, want %v", c.res, tc.want)
			}
		})
	}
}

// stableGroup forms a Stable group of n dynamic members and returns their ids
// (the first leads).
func stableGroup(t *testing.T, h *harness, groupID string, n int) []string {
	t.Helper()
	var ids []string
	var calls []*joinCall
	for range n {
		id, c := h.joinNew(groupID)
		ids = append(ids, id)
		calls = append(calls, c)
		// Earlier members rejoin, as clients do on REBALANCE_IN_PROGRESS.
		for i, prev := range ids[:len(ids)-1] {
			if calls[i].done() {
				calls[i] = h.join(JoinRequest{Group: groupID, MemberID: prev, ClientID: "c"})
			}
		}
	}
	for i, c := range calls {
		if !c.done() || c.res.Err != nil {
			t.Fatalf("member %d join: %+v", i, c.res)
		}
	}
	leader := calls[0].res.LeaderID
	gen := calls[0].res.Generation
	assign := map[string][]byte{}
	for _, id := range ids {
		assign[id] = []byte("for-" + id)
	}
	var syncs []*syncCall
	for _, id := range ids {
		if id != leader {
			syncs = append(syncs, h.sync(SyncRequest{Group: groupID, MemberID: id, Generation: gen}))
		}
	}
	for _, s := range syncs {
		if s.res != nil {
			t.Fatal("a follower got its assignment before the leader synced")
		}
	}
	syncs = append(syncs, h.sync(SyncRequest{Group: groupID, MemberID: leader, Generation: gen, Assignments: assign}))
	for _, s := range syncs {
		if s.res == nil || s.res.Err != nil {
			t.Fatalf("sync: %+v", s.res)
		}
	}
	if h.state(groupID) != Stable {
		t.Fatalf("state %v after sync", h.state(groupID))
	}
	return ids
}

func TestRebalanceAndSync(t *testing.T) {
	h := newHarness(t, nil)
	ids := stableGroup(t, h, "g", 1)
	g := h.s.groups["g"]
	if g.generation != 1 || g.leader != ids[0] {
		t.Fatalf("generation %d leader %s", g.generation, g.leader)
	}
	// A second member starts a rebalance; the first learns it on heartbeat.
	id2, c2 := h.joinNew("g")
	if c2.done() || h.state("g") != PreparingRebalance {
		t.Fatalf("second join answered early (%+v) or state %v", c2.res, h.state("g"))
	}
	if err := h.heartbeat("g", ids[0], 1); !errors.Is(err, ErrRebalanceInProgress) {
		t.Fatalf("heartbeat during rebalance: %v", err)
	}
	c1 := h.join(JoinRequest{Group: "g", MemberID: ids[0], ClientID: "c"})
	if !c1.done() || !c2.done() {
		t.Fatal("the join phase did not end once every member rejoined")
	}
	if c1.res.Generation != 2 || c2.res.Generation != 2 || c1.res.LeaderID != ids[0] {
		t.Fatalf("joins: %+v %+v", c1.res, c2.res)
	}
	if len(c1.res.Members) != 2 || len(c2.res.Members) != 0 {
		t.Fatalf("leader got %d members, follower %d", len(c1.res.Members), len(c2.res.Members))
	}
	if c1.res.Protocol != "range" || c1.res.ProtocolType != "consumer" {
		t.Fatalf("protocol %q type %q", c1.res.Protocol, c1.res.ProtocolType)
	}
	f := h.sync(SyncRequest{Group: "g", MemberID: id2, Generation: 2})
	if err := h.commit(CommitRequest{Group: "g", MemberID: ids[0], Generation: 2, Offsets: []OffsetCommit{{TopicPartition: TopicPartition{"t", 0}, Offset: 1}}}); !errors.Is(err[0], ErrRebalanceInProgress) {
		t.Fatalf("commit while awaiting assignment: %v", err)
	}
	l := h.sync(SyncRequest{Group: "g", MemberID: ids[0], Generation: 2, Assignments: map[string][]byte{ids[0]: []byte("a"), id2: []byte("b")}})
	if f.res == nil || string(f.res.Assignment) != "b" || string(l.res.Assignment) != "a" {
		t.Fatalf("assignments: follower %+v leader %+v", f.res, l.res)
	}
	// The group record holds both members and their assignments.
	last := h.env.log[len(h.env.log)-1]
	var v kmsg.GroupMetadataValue
	if err := v.ReadFrom(last.Value); err != nil || v.Generation != 2 || len(v.Members) != 2 || string(v.Members[1].Assignment) != "b" {
		t.Fatalf("group record: %+v %v", v, err)
	}
}

func TestMembershipErrors(t *testing.T) {
	h := newHarness(t, nil)
	ids := stableGroup(t, h, "g", 1)
	for _, tc := range []struct {
		name string
		got  error
		want error
	}{
		{"heartbeat unknown member", h.heartbeat("g", "x", 1), ErrUnknownMemberID},
		{"heartbeat unknown group", h.heartbeat("nope", ids[0], 1), ErrUnknownMemberID},
		{"heartbeat wrong generation", h.heartbeat("g", ids[0], 5), ErrIllegalGeneration},
		{"heartbeat ok", h.heartbeat("g", ids[0], 1), nil},
		{"sync wrong generation", h.sync(SyncRequest{Group: "g", MemberID: ids[0], Generation: 3}).res.Err, ErrIllegalGeneration},
		{"sync unknown member", h.sync(SyncRequest{Group: "g", MemberID: "x", Generation: 1}).res.Err, ErrUnknownMemberID},
		{"commit wrong generation", h.commit(CommitRequest{Group: "g", MemberID: ids[0], Generation: 9, Offsets: make([]OffsetCommit, 1)})[0], ErrIllegalGeneration},
		{"commit unknown member", h.commit(CommitRequest{Group: "g", MemberID: "x", Generation: 1, Offsets: make([]OffsetCommit, 1)})[0], ErrUnknownMemberID},
		{"standalone commit with members", h.commit(CommitRequest{Group: "g", Generation: -1, Offsets: make([]OffsetCommit, 1)})[0], ErrUnknownMemberID},
		{"commit to an unknown group at a generation", h.commit(CommitRequest{Group: "new", MemberID: "m", Generation: 1, Offsets: make([]OffsetCommit, 1)})[0], ErrIllegalGeneration},
		{"join other protocol type", h.join(JoinRequest{Group: "g", ProtocolType: "connect"}).res.Err, ErrInconsistentProtocol},
		{"join no common protocol", h.join(JoinRequest{Group: "g", Protocols: []Protocol{{Name: "sticky"}}}).res.Err, ErrInconsistentProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.got, tc.want) || (tc.want == nil && tc.got != nil) {
				t.Fatalf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestGroupMaxSize(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.MaxSize = 1 })
	stableGroup(t, h, "g", 1)
	if c := h.join(JoinRequest{Group: "g", RequireKnownMemberID: true}); !errors.Is(c.res.Err, ErrGroupMaxSizeReached) {
		t.Fatalf("join beyond group.max.size: %+v", c.res)
	}
}

func TestSessionExpiryEmptiesGroup(t *testing.T) {
	h := newHarness(t, nil)
	ids := stableGroup(t, h, "g", 2)
	gen := h.s.groups["g"].generation
	h.env.advance(500 * time.Millisecond)
	if err := h.heartbeat("g", ids[0], gen); err != nil {
		t.Fatal(err)
	}
	// Member 2 never heartbeats: gone after its 1s session; the group
	// rebalances; member 1 does not rejoin within the rebalance timeout
	// either (it stops heartbeating too), so the group ends Empty.
	h.env.advance(600 * time.Millisecond)
	if got := h.members("g"); len(got) != 1 || got[0] != ids[0] || h.state("g") != PreparingRebalance {
		t.Fatalf("after member 2's session: members %v state %v", got, h.state("g"))
	}
	h.env.advance(3 * time.Second)
	if h.state("g") != Empty || len(h.members("g")) != 0 {
		t.Fatalf("state %v members %v", h.state("g"), h.members("g"))
	}
	g := h.s.groups["g"]
	var v kmsg.GroupMetadataValue
	if err := v.ReadFrom(g.persisted); err != nil || len(v.Members) != 0 || v.Generation != g.generation || g.generation != gen+1 {
		t.Fatalf("empty group record %+v (generation %d): %v", v, g.generation, err)
	}
}

func TestRebalanceTimeoutRemovesLaggards(t *testing.T) {
	h := newHarness(t, nil)
	ids := stableGroup(t, h, "g", 2)
	gen := h.s.groups["g"].generation
	// Both keep heartbeating; a third member joins; only member 1 rejoins.
	id3, c3 := h.joinNew("g")
	c1 := h.join(JoinRequest{Group: "g", MemberID: ids[0], ClientID: "c"})
	for range 6 {
		h.env.advance(400 * time.Millisecond)
		h.heartbeat("g", ids[1], gen)
	}
	if !c1.done() || !c3.done() || c1.res.Generation != gen+1 {
		t.Fatalf("joins after the rebalance timeout: %+v %+v", c1.res, c3.res)
	}
	if got := h.members("g"); len(got) != 2 || got[0] != ids[0] || got[1] != id3 {
		t.Fatalf("members %v, want [%s %s]", got, ids[0], id3)
	}
	if err := h.heartbeat("g", ids[1], gen); !errors.Is(err, ErrUnknownMemberID) {
		t.Fatalf("removed member's heartbeat: %v", err)
	}
}

func TestInitialRebalanceDelay(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.InitialRebalanceDelay = 100 * time.Millisecond })
	c1 := h.join(JoinRequest{Group: "g", ClientID: "a", RebalanceTimeout: time.Second})
	h.env.advance(50 * time.Millisecond)
	c2 := h.join(JoinRequest{Group: "g", ClientID: "b", RebalanceTimeout: time.Second})
	h.env.advance(60 * time.Millisecond) // 110ms: a member joined during the delay, so it extends
	if c1.done() || c2.done() {
		t.Fatal("the initial delay was not extended by a new member")
	}
	h.env.advance(100 * time.Millisecond) // 210ms: no one new, done
	if !c1.done() || !c2.done() || c1.res.Generation != 1 || c1.res.LeaderID != c1.res.MemberID || len(c1.res.Members) != 2 {
		t.Fatalf("joins: %+v %+v", c1.res, c2.res)
	}
}

func TestStaticMemberReplacement(t *testing.T) {
	h := newHarness(t, nil)
	inst := "instance-1"
	c := h.join(JoinRequest{Group: "g", InstanceID: &inst, ClientID: "c", RequireKnownMemberID: true})
	if c.res.Err != nil {
		t.Fatalf("static members skip MEMBER_ID_REQUIRED: %+v", c.res)
	}
	old := c.res.MemberID
	h.sync(SyncRequest{Group: "g", MemberID: old, InstanceID: &inst, Generation: 1, Assignments: map[string][]byte{old: []byte("a")}})
	// The instance restarts and rejoins without its id: a new id, no
	// rebalance, same generation; the old id is fenced.
	r := h.join(JoinRequest{Group: "g", InstanceID: &inst, ClientID: "c", RequireKnownMemberID: true, SupportsSkipAssignment: true})
	if r.res.Err != nil || r.res.MemberID == old || r.res.Generation != 1 || h.state("g") != Stable {
		t.Fatalf("rejoin: %+v state %v", r.res, h.state("g"))
	}
	if !r.res.SkipAssignment || r.res.LeaderID != r.res.MemberID {
		t.Errorf("a static leader rejoining at v9 should lead with SkipAssignment: %+v", r.res)
	}
	var out error
	h.s.heartbeat(HeartbeatRequest{Group: "g", MemberID: old, InstanceID: &inst, Generation: 1}, func(err error) { out = err })
	if !errors.Is(out, ErrFencedInstanceID) {
		t.Fatalf("old id heartbeat: %v", out)
	}
	if s := h.sync(SyncRequest{Group: "g", MemberID: r.res.MemberID, InstanceID: &inst, Generation: 1}); string(s.res.Assignment) != "a" {
		t.Fatalf("the replaced member keeps its assignment: %+v", s.res)
	}
	// LeaveGroup by instance id alone.
	var errs []error
	h.s.leave("g", []LeaveMember{{InstanceID: &inst}}, func(e []error) { errs = e })
	if errs[0] != nil || h.state("g") != Empty {
		t.Fatalf("leave by instance: %v, state %v", errs, h.state("g"))
	}
}

func TestOffsetsCommitFetchAndRetention(t *testing.T) {
	h := newHarness(t, func(o *Options) {
		o.OffsetsRetention = time.Hour
		o.RetentionCheckInterval = time.Minute
		o.MaxMetadataBytes = 4
	})
	md, long := "ok", "too long"
	errs := h.commit(CommitRequest{Group: "solo", Generation: -1, Offsets: []OffsetCommit{
		{TopicPartition: TopicPartition{"t", 0}, Offset: 5, LeaderEpoch: 2, Metadata: &md},
		{TopicPartition: TopicPartition{"t", 1}, Offset: 6, Metadata: &long},
	}})
	if errs[0] != nil || !errors.Is(errs[1], ErrOffsetMetadataTooLarge) {
		t.Fatalf("commit: %v", errs)
	}
	if got := h.fetch("solo"); len(got) != 1 || got[TopicPartition{"t", 0}] != (OffsetValue{Offset: 5, LeaderEpoch: 2, Metadata: "ok"}) {
		t.Fatalf("fetch: %v", got)
	}
	// A consumer group whose member leaves: its offsets expire an hour
	// after it became Empty, not an hour after the commit (KIP-211).
	ids := stableGroup(t, h, "cg", 1)
	h.s.groups["cg"].members[ids[0]].sessionTimeout = 2 * time.Hour
	h.commit(CommitRequest{Group: "cg", MemberID: ids[0], Generation: 1, Offsets: []OffsetCommit{{TopicPartition: TopicPartition{"t", 0}, Offset: 1}}})
	h.env.advance(30 * time.Minute)
	h.heartbeat("cg", ids[0], 1)
	h.s.leave("cg", []LeaveMember{{MemberID: ids[0]}}, func([]error) {})
	h.env.advance(40 * time.Minute) // solo's commit is 70 minutes old
	if len(h.fetch("solo")) != 0 || h.s.groups["solo"] != nil {
		t.Fatal("a standalone group's offset outlived offsets.retention.minutes")
	}
	if len(h.fetch("cg")) != 1 {
		t.Fatal("an Empty group's offsets expired before the retention since it became Empty")
	}
	h.env.advance(30 * time.Minute)
	if len(h.fetch("cg")) != 0 || h.s.groups["cg"] != nil {
		t.Fatal("the empty group's offsets or the group survived the retention")
	}
	last := h.env.log[len(h.env.log)-1]
	if d, ok, err := decodeRecord(last); err != nil || !ok || d.isOffset || d.meta != nil || d.group != "cg" {
		t.Fatalf("last record should be cg's group tombstone: %+v %v %v", d, ok, err)
	}
}

func TestDeleteGroupsAndOffsets(t *testing.T) {
	h := newHarness(t, nil)
	ids := stableGroup(t, h, "g", 1)
	var errs []error
	h.s.deleteGroups([]string{"g", "missing"}, func(e []error) { errs = e })
	if !errors.Is(errs[0], ErrNonEmptyGroup) || !errors.Is(errs[1], ErrGroupIDNotFound) {
		t.Fatalf("delete: %v", errs)
	}
	// OffsetDelete of a subscribed topic, for a consumer group with members.
	sub := kmsg.NewConsumerMemberMetadata()
	sub.Topics = []string{"mine"}
	h.s.groups["g"].members[ids[0]].protocols[0].Metadata = sub.AppendTo(nil)
	h.commit(CommitRequest{Group: "g", MemberID: ids[0], Generation: 1, Offsets: []OffsetCommit{
		{TopicPartition: TopicPartition{"mine", 0}, Offset: 1}, {TopicPartition: TopicPartition{"other", 0}, Offset: 1}}})
	var perr []error
	var gerr error
	h.s.deleteOffsets("g", []TopicPartition{{"mine", 0}, {"other", 0}}, func(e []error, err error) { perr, gerr = e, err })
	if gerr != nil || !errors.Is(perr[0], ErrGroupSubscribedToTopic) || perr[1] != nil {
		t.Fatalf("offset delete: %v %v", perr, gerr)
	}
	if got := h.fetch("g"); len(got) != 1 {
		t.Fatalf("offsets after delete: %v", got)
	}
}

func TestReplayRebuildsState(t *testing.T) {
	h := newHarness(t, nil)
	ids := stableGroup(t, h, "g", 2)
	gen := h.s.groups["g"].generation
	h.commit(CommitRequest{Group: "g", MemberID: ids[0], Generation: gen, Offsets: []OffsetCommit{{TopicPartition: TopicPartition{"t", 3}, Offset: 9, LeaderEpoch: 1}}})
	h.commit(CommitRequest{Group: "solo", Generation: -1, Offsets: []OffsetCommit{{TopicPartition: TopicPartition{"t", 0}, Offset: 1}}})
	h.s.deleteOffsets("solo", []TopicPartition{{"t", 0}}, func([]error, error) {})

	fresh := newHarness(t, nil)
	fresh.s = newShardState(&fresh.opts, h.s.metrics, discardLogger())
	for i, r := range h.env.log {
		if err := fresh.s.Replay(int64(i), r); err != nil {
			t.Fatal(err)
		}
	}
	fresh.s.loaded(fresh.env)
	var want, got []Description
	h.s.describe([]string{"g", "solo"}, func(d []Description) { want = d })
	fresh.s.describe([]string{"g", "solo"}, func(d []Description) { got = d })
	if len(got[0].Members) != 2 || got[0].State != "Stable" || got[0].Protocol != "range" || string(got[0].Members[1].Assignment) != string(want[0].Members[1].Assignment) {
		t.Fatalf("replayed group: %+v, want %+v", got[0], want[0])
	}
	if got[1].State != "Dead" {
		t.Errorf("solo (its only offset deleted) replayed as %s", got[1].State)
	}
	if o := fresh.fetch("g"); o[TopicPartition{"t", 3}] != (OffsetValue{Offset: 9, LeaderEpoch: 1}) {
		t.Errorf("replayed offsets %v", o)
	}
	// The members of a loaded group must heartbeat within their session.
	fresh.env.advance(2 * time.Second)
	if fresh.state("g") == Stable {
		t.Error("loaded members that never heartbeat were kept")
	}
	// LiveRecords replayed alone give the same state.
	again := newShardState(&h.opts, h.s.metrics, discardLogger())
	for i, r := range h.s.LiveRecords() {
		if err := again.Replay(int64(i), r); err != nil {
			t.Fatal(err)
		}
	}
	if len(again.groups) != len(h.s.groups)-1 || again.groups["g"].generation != gen || len(again.groups["g"].offsets) != 1 {
		t.Errorf("state from LiveRecords: %d groups", len(again.groups))
	}
}
