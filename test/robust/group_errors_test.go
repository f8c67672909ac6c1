package robust

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// The consumer-group coordinator's answers to requests a well-behaved
// client does not send, checked with raw kmsg requests (franz-go routes
// each to the group's coordinator; it does not interpret the answers). Each
// case runs against the in-process Samsa broker and, as the reference, an
// in-process kfake cluster: the error a case expects is the one Kafka
// gives, and kfake gives it too.

// groupTarget is a broker to check group behaviour on.
type groupTarget struct {
	name string
	// start runs a single-node broker with group.max.size = maxSize (0:
	// unlimited) and group.min.session.timeout.ms = 100, and returns its
	// address.
	start func(t *testing.T, maxSize int) string
}

var groupTargets = []groupTarget{
	{"samsa", func(t *testing.T, maxSize int) string {
		o := map[string]string{
			"group.min.session.timeout.ms":     "100",
			"group.initial.rebalance.delay.ms": "0",
			"offsets.topic.replication.factor": "1",
			"offsets.topic.num.partitions":     "3",
		}
		if maxSize > 0 {
			o["group.max.size"] = fmt.Sprint(maxSize)
		}
		return startInProcess(t, o).addr
	}},
	{"kfake", func(t *testing.T, maxSize int) string {
		opts := []kfake.Opt{kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100 * time.Millisecond)}
		if maxSize > 0 {
			opts = append(opts, kfake.BrokerConfigs(map[string]string{"group.max.size": fmt.Sprint(maxSize)}))
		}
		c, err := kfake.NewCluster(opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c.ListenAddrs()[0]
	}},
}

// forEachGroupTarget runs f as a subtest per target.
func forEachGroupTarget(t *testing.T, maxSize int, f func(t *testing.T, addr string)) {
	forEachGroupTargetBut(t, maxSize, "", f)
}

// forEachGroupTargetBut is forEachGroupTarget for a case where kfake is
// known to differ from Kafka (kfakeDiffers says how): it runs against
// Samsa only, with Kafka's behaviour as the reference, and logs why.
func forEachGroupTargetBut(t *testing.T, maxSize int, kfakeDiffers string, f func(t *testing.T, addr string)) {
	for _, gt := range groupTargets {
		if gt.name == "kfake" && kfakeDiffers != "" {
			t.Logf("not run against kfake, which differs from Kafka here: %s", kfakeDiffers)
			continue
		}
		t.Run(gt.name, func(t *testing.T) { f(t, gt.start(t, maxSize)) })
	}
}

// newGroupClient is a client capped at Kafka 3.6's request versions, which
// both targets serve (kfake would otherwise get OffsetCommit v10, by topic
// id).
func newGroupClient(t *testing.T, addr string) *kgo.Client {
	return newClient(t, addr, kgo.MaxVersions(kversion.V3_6_0()))
}

// groupSessionMillis is the session timeout raw members ask for: Kafka's
// default group.min.session.timeout.ms, so no override is needed.
const groupSessionMillis = 6000

// rawMember is a group member driven by hand.
type rawMember struct {
	t        *testing.T
	cl       *kgo.Client
	group    string
	id       string
	gen      int32
	protocol string
}

// join sends JoinGroup until it is not MEMBER_ID_REQUIRED (KIP-394: the
// first join of a new member only gets its id) and returns the last answer.
func join(ctx context.Context, t *testing.T, cl *kgo.Client, group, memberID, protocolType string, protocols ...string) *kmsg.JoinGroupResponse {
	t.Helper()
	return joinRT(ctx, t, cl, 5000, group, memberID, protocolType, protocols...)
}

// joinRT is join with the given rebalance timeout.
func joinRT(ctx context.Context, t *testing.T, cl *kgo.Client, rebalanceMillis int32, group, memberID, protocolType string, protocols ...string) *kmsg.JoinGroupResponse {
	t.Helper()
	req := kmsg.NewPtrJoinGroupRequest()
	req.Group = group
	req.MemberID = memberID
	req.ProtocolType = protocolType
	req.SessionTimeoutMillis = groupSessionMillis
	req.RebalanceTimeoutMillis = rebalanceMillis
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Topics = []string{"t"}
	for _, p := range protocols {
		jp := kmsg.NewJoinGroupRequestProtocol()
		jp.Name, jp.Metadata = p, meta.AppendTo(nil)
		req.Protocols = append(req.Protocols, jp)
	}
	for range 3 {
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("JoinGroup %s: %v", group, err)
		}
		if resp.ErrorCode != kerr.MemberIDRequired.Code {
			return resp
		}
		req.MemberID = resp.MemberID
	}
	t.Fatalf("JoinGroup %s: MEMBER_ID_REQUIRED three times", group)
	return nil
}

// newRawMember joins group as its only member ("consumer", protocol
// "range") and syncs, so that the group is Stable at generation gen.
func newRawMember(ctx context.Context, t *testing.T, cl *kgo.Client, group string) *rawMember {
	t.Helper()
	resp := join(ctx, t, cl, group, "", "consumer", "range")
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		t.Fatalf("JoinGroup %s: %v", group, err)
	}
	m := &rawMember{t: t, cl: cl, group: group, id: resp.MemberID, gen: resp.Generation, protocol: "range"}
	if code := m.sync(ctx, m.gen, m.id); code != 0 {
		t.Fatalf("SyncGroup %s: %v", group, kerr.ErrorForCode(code))
	}
	return m
}

// rejoin makes the member join again: a new generation.
func (m *rawMember) rejoin(ctx context.Context) {
	m.t.Helper()
	resp := join(ctx, m.t, m.cl, m.group, m.id, "consumer", "range")
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		m.t.Fatalf("rejoin %s: %v", m.group, err)
	}
	if resp.Generation <= m.gen {
		m.t.Fatalf("rejoin %s: generation %d after %d", m.group, resp.Generation, m.gen)
	}
	m.gen = resp.Generation
	if code := m.sync(ctx, m.gen, m.id); code != 0 {
		m.t.Fatalf("SyncGroup after rejoin: %v", kerr.ErrorForCode(code))
	}
}

func (m *rawMember) sync(ctx context.Context, gen int32, id string) int16 {
	m.t.Helper()
	req := kmsg.NewPtrSyncGroupRequest()
	req.Group, req.Generation, req.MemberID = m.group, gen, id
	pt, pn := "consumer", m.protocol
	req.ProtocolType, req.Protocol = &pt, &pn
	a := kmsg.NewSyncGroupRequestGroupAssignment()
	a.MemberID = id
	ca := kmsg.NewConsumerMemberAssignment()
	a.MemberAssignment = ca.AppendTo(nil)
	req.GroupAssignment = append(req.GroupAssignment, a)
	resp, err := req.RequestWith(ctx, m.cl)
	if err != nil {
		m.t.Fatalf("SyncGroup: %v", err)
	}
	return resp.ErrorCode
}

func (m *rawMember) heartbeat(ctx context.Context, gen int32, id string) int16 {
	m.t.Helper()
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group, req.Generation, req.MemberID = m.group, gen, id
	resp, err := req.RequestWith(ctx, m.cl)
	if err != nil {
		m.t.Fatalf("Heartbeat: %v", err)
	}
	return resp.ErrorCode
}

// commit sends OffsetCommit for topic's partitions (offset = 10 ×
// partition + base) as member id at generation gen and returns the error
// code per partition.
func commit(ctx context.Context, t *testing.T, cl *kgo.Client, group string, gen int32, id, topic string, base int64, parts ...int32) map[int32]int16 {
	t.Helper()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group, req.Generation, req.MemberID = group, gen, id
	rt := kmsg.NewOffsetCommitRequestTopic()
	rt.Topic = topic
	for _, p := range parts {
		rp := kmsg.NewOffsetCommitRequestTopicPartition()
		rp.Partition, rp.Offset, rp.LeaderEpoch = p, base+10*int64(p), -1
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("OffsetCommit: %v", err)
	}
	out := map[int32]int16{}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			out[rp.Partition] = rp.ErrorCode
		}
	}
	return out
}

// noError is error code 0 for wantCode.
var noError = &kerr.Error{Message: "NONE", Code: 0}

func wantCode(t *testing.T, what string, got int16, want *kerr.Error) {
	t.Helper()
	if got != want.Code {
		t.Errorf("%s: %v, want %s", what, kerr.ErrorForCode(got), want.Message)
	}
}

// TestGroupProtocolMismatch: a member whose protocol type differs from the
// group's, or whose protocols share none with the group's, or who names no
// protocol, is refused with INCONSISTENT_GROUP_PROTOCOL, and the group's
// member is unaffected.
func TestGroupProtocolMismatch(t *testing.T) {
	forEachGroupTarget(t, 0, func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		m := newRawMember(ctx, t, cl, "mismatch")
		resp := join(ctx, t, cl, "mismatch", "", "connect", "range")
		wantCode(t, "JoinGroup with protocol type connect into a consumer group", resp.ErrorCode, kerr.InconsistentGroupProtocol)
		resp = join(ctx, t, cl, "mismatch", "", "consumer", "roundrobin")
		wantCode(t, "JoinGroup with no protocol in common", resp.ErrorCode, kerr.InconsistentGroupProtocol)
		resp = join(ctx, t, cl, "fresh", "", "consumer")
		wantCode(t, "JoinGroup with no protocols", resp.ErrorCode, kerr.InconsistentGroupProtocol)
		resp = join(ctx, t, cl, "fresh", "", "", "range")
		wantCode(t, "JoinGroup with an empty protocol type", resp.ErrorCode, kerr.InconsistentGroupProtocol)
		wantCode(t, "the member's heartbeat afterwards", m.heartbeat(ctx, m.gen, m.id), noError)
	})
}

// TestGroupIllegalGeneration: after a member moved to a new generation, a
// Heartbeat, SyncGroup or OffsetCommit at the old one is ILLEGAL_GENERATION
// (and at a future one too), and the commit writes nothing.
func TestGroupIllegalGeneration(t *testing.T) {
	forEachGroupTarget(t, 0, func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		createGroupTopic(ctx, t, cl, "t", 3)
		m := newRawMember(ctx, t, cl, "gen")
		old := m.gen
		m.rejoin(ctx)
		if c := commit(ctx, t, cl, "gen", m.gen, m.id, "t", 1, 0); c[0] != 0 {
			t.Fatalf("OffsetCommit at the current generation: %v", kerr.ErrorForCode(c[0]))
		}
		for _, g := range []int32{old, m.gen + 1} {
			wantCode(t, fmt.Sprintf("Heartbeat at generation %d (current %d)", g, m.gen), m.heartbeat(ctx, g, m.id), kerr.IllegalGeneration)
			wantCode(t, fmt.Sprintf("SyncGroup at generation %d (current %d)", g, m.gen), m.sync(ctx, g, m.id), kerr.IllegalGeneration)
			c := commit(ctx, t, cl, "gen", g, m.id, "t", 1000, 0)
			wantCode(t, fmt.Sprintf("OffsetCommit at generation %d (current %d)", g, m.gen), c[0], kerr.IllegalGeneration)
		}
		if got := fetchOffsets(ctx, t, cl, "gen", "t", 0); got[0] != 1 {
			t.Errorf("committed offset of t/0 = %d after refused commits, want 1", got[0])
		}
		wantCode(t, "Heartbeat at the current generation", m.heartbeat(ctx, m.gen, m.id), noError)
	})
}

// TestGroupUnknownMember: a member id the group does not have is
// UNKNOWN_MEMBER_ID for Heartbeat, SyncGroup, OffsetCommit (with a
// generation), LeaveGroup and a JoinGroup naming it.
func TestGroupUnknownMember(t *testing.T) {
	forEachGroupTarget(t, 0, func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		createGroupTopic(ctx, t, cl, "t", 3)
		m := newRawMember(ctx, t, cl, "unknown")
		const ghost = "ghost-member"
		wantCode(t, "Heartbeat", m.heartbeat(ctx, m.gen, ghost), kerr.UnknownMemberID)
		wantCode(t, "SyncGroup", m.sync(ctx, m.gen, ghost), kerr.UnknownMemberID)
		wantCode(t, "OffsetCommit", commit(ctx, t, cl, "unknown", m.gen, ghost, "t", 5, 0)[0], kerr.UnknownMemberID)
		wantCode(t, "JoinGroup", join(ctx, t, cl, "unknown", ghost, "consumer", "range").ErrorCode, kerr.UnknownMemberID)

		leave := kmsg.NewPtrLeaveGroupRequest()
		leave.Group = "unknown"
		lm := kmsg.NewLeaveGroupRequestMember()
		lm.MemberID = ghost
		leave.Members = append(leave.Members, lm)
		lresp, err := leave.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		code := lresp.ErrorCode
		if code == 0 && len(lresp.Members) == 1 {
			code = lresp.Members[0].ErrorCode
		}
		wantCode(t, "LeaveGroup", code, kerr.UnknownMemberID)
		wantCode(t, "the real member's heartbeat afterwards", m.heartbeat(ctx, m.gen, m.id), noError)
	})
}

// TestGroupMaxSize: with group.max.size = 2, two franz-go consumers form a
// group; a third member's JoinGroup is GROUP_MAX_SIZE_REACHED, and the group
// stays Stable with its two members.
func TestGroupMaxSize(t *testing.T) {
	forEachGroupTarget(t, 2, func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		createGroupTopic(ctx, t, cl, "t", 4)
		for i := range 2 {
			newClient(t, addr, kgo.ConsumerGroup("capped"), kgo.ConsumeTopics("t"), kgo.ClientID(fmt.Sprintf("member-%d", i)),
				kgo.SessionTimeout(groupSessionMillis*time.Millisecond), kgo.HeartbeatInterval(200*time.Millisecond))
		}
		// The clients join on their first poll or in the background: kgo
		// starts group management when the client starts.
		adm := kadm.NewClient(cl)
		waitGroup(ctx, t, adm, "capped", 2)
		resp := join(ctx, t, cl, "capped", "", "consumer", "cooperative-sticky", "range")
		wantCode(t, "a third member's JoinGroup", resp.ErrorCode, kerr.GroupMaxSizeReached)
		waitGroup(ctx, t, adm, "capped", 2)
	})
}

// joinMember is a raw JoinGroup of "consumer"/"range" into group with the
// given timeouts, repeated past MEMBER_ID_REQUIRED.
func joinMember(ctx context.Context, t *testing.T, cl *kgo.Client, group, memberID string, sessionMillis, rebalanceMillis int32) *kmsg.JoinGroupResponse {
	t.Helper()
	req := kmsg.NewPtrJoinGroupRequest()
	req.Group, req.ProtocolType, req.MemberID = group, "consumer", memberID
	req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = sessionMillis, rebalanceMillis
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Topics = []string{"t"}
	jp := kmsg.NewJoinGroupRequestProtocol()
	jp.Name, jp.Metadata = "range", meta.AppendTo(nil)
	req.Protocols = append(req.Protocols, jp)
	for range 3 {
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Errorf("JoinGroup %s: %v", group, err)
			return nil
		}
		if resp.ErrorCode != kerr.MemberIDRequired.Code {
			return resp
		}
		req.MemberID = resp.MemberID
	}
	return nil
}

// TestGroupAwaitingJoinDoesNotExpire: a member waiting in JoinGroup for a
// rebalance to complete counts as heartbeating (Kafka's
// MemberMetadata.hasSatisfiedHeartbeat), even past its session timeout. a
// (session 1 s) and b (session 6 s) are Stable; c joins (rebalance timeout
// 3 s for all); a rejoins at once and waits, b neither rejoins nor
// heartbeats. When the rebalance timeout passes, the join completes
// without b: a and c form the next generation, and a's 3 s wait did not
// expire it.
func TestGroupAwaitingJoinDoesNotExpire(t *testing.T) {
	forEachGroupTargetBut(t, 0, "it expires a member waiting in JoinGroup when its session timeout passes", func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cla, clb, clc := newGroupClient(t, addr), newGroupClient(t, addr), newGroupClient(t, addr)
		createGroupTopic(ctx, t, cla, "t", 2)
		const group = "awaiting"
		ra := joinMember(ctx, t, cla, group, "", 1000, 3000)
		if ra == nil || ra.ErrorCode != 0 {
			t.Fatalf("a joins: %+v", ra)
		}
		a := &rawMember{t: t, cl: cla, group: group, id: ra.MemberID, gen: ra.Generation, protocol: "range"}
		if code := a.sync(ctx, a.gen, a.id); code != 0 {
			t.Fatalf("a syncs: %v", kerr.ErrorForCode(code))
		}
		// b joins: a rejoins, both sync.
		var rb *kmsg.JoinGroupResponse
		done := make(chan struct{})
		go func() { defer close(done); rb = joinMember(ctx, t, clb, group, "", 6000, 3000) }()
		for code := int16(0); code != kerr.RebalanceInProgress.Code; {
			if code = a.heartbeat(ctx, a.gen, a.id); code != 0 && code != kerr.RebalanceInProgress.Code {
				t.Fatalf("a's heartbeat: %v", kerr.ErrorForCode(code))
			}
			time.Sleep(10 * time.Millisecond)
		}
		ra = joinMember(ctx, t, cla, group, a.id, 1000, 3000)
		<-done
		if ra == nil || rb == nil || ra.ErrorCode != 0 || rb.ErrorCode != 0 {
			t.Fatalf("b's rebalance: a %+v, b %+v", ra, rb)
		}
		a.gen = ra.Generation
		b := &rawMember{t: t, cl: clb, group: group, id: rb.MemberID, gen: rb.Generation, protocol: "range"}
		syncs := make(chan int16, 1)
		go func() { syncs <- b.sync(ctx, b.gen, b.id) }()
		if code := a.sync(ctx, a.gen, a.id); code != 0 {
			t.Fatalf("a syncs: %v", kerr.ErrorForCode(code))
		}
		if code := <-syncs; code != 0 {
			t.Fatalf("b syncs: %v", kerr.ErrorForCode(code))
		}
		// c joins; a rejoins and waits; b stays silent.
		var rc *kmsg.JoinGroupResponse
		done = make(chan struct{})
		go func() { defer close(done); rc = joinMember(ctx, t, clc, group, "", 6000, 3000) }()
		for code := int16(0); code != kerr.RebalanceInProgress.Code; {
			if code = a.heartbeat(ctx, a.gen, a.id); code != 0 && code != kerr.RebalanceInProgress.Code {
				t.Fatalf("a's heartbeat: %v", kerr.ErrorForCode(code))
			}
			time.Sleep(10 * time.Millisecond)
		}
		ra = joinMember(ctx, t, cla, group, a.id, 1000, 3000)
		<-done
		if ra == nil || ra.ErrorCode != 0 {
			t.Fatalf("a, waiting in JoinGroup longer than its 1 s session: %+v, want to be in the next generation", ra)
		}
		if rc == nil || rc.ErrorCode != 0 || rc.Generation != ra.Generation || ra.Generation != a.gen+1 {
			t.Errorf("c's join %+v, a's %+v: want both in generation %d", rc, ra, a.gen+1)
		}
		leader := ra
		if rc != nil && rc.LeaderID == rc.MemberID {
			leader = rc
		}
		var ids []string
		for _, m := range leader.Members {
			ids = append(ids, m.MemberID)
		}
		slices.Sort(ids)
		want := []string{a.id}
		if rc != nil {
			want = append(want, rc.MemberID)
		}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("the new generation's members %v, want a and c %v (b removed)", ids, want)
		}
	})
}

// waitGroup waits until group is Stable with n members.
func waitGroup(ctx context.Context, t *testing.T, adm *kadm.Client, group string, n int) {
	t.Helper()
	var last string
	for ctx.Err() == nil {
		dg, err := adm.DescribeGroups(ctx, group)
		if err == nil && dg[group].Err == nil && dg[group].State == "Stable" && len(dg[group].Members) == n {
			return
		}
		last = fmt.Sprintf("err %v, group %+v", err, dg[group])
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("group %s not Stable with %d members: %s", group, n, last)
}

// TestGroupCommitUnknownPartition: an OffsetCommit naming a partition past
// the topic's last, and a topic that does not exist, is refused for those
// (UNKNOWN_TOPIC_OR_PARTITION) and accepted for the partition that exists;
// the group's other committed offsets are untouched.
func TestGroupCommitUnknownPartition(t *testing.T) {
	forEachGroupTarget(t, 0, func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		createGroupTopic(ctx, t, cl, "t", 3)
		// Simple (standalone) commits: generation -1, no member, as
		// kadm.CommitOffsets sends for a group without members.
		if c := commit(ctx, t, cl, "commits", -1, "", "t", 1, 0, 1, 2); c[0] != 0 || c[1] != 0 || c[2] != 0 {
			t.Fatalf("first commit: %v", c)
		}
		c := commit(ctx, t, cl, "commits", -1, "", "t", 100, 1, 7)
		wantCode(t, "commit of t/1", c[1], noError)
		wantCode(t, "commit of t/7 (t has 3 partitions)", c[7], kerr.UnknownTopicOrPartition)
		c = commit(ctx, t, cl, "commits", -1, "", "no-such-topic", 100, 0)
		wantCode(t, "commit of no-such-topic/0", c[0], kerr.UnknownTopicOrPartition)
		got := fetchOffsets(ctx, t, cl, "commits", "t", 0, 1, 2)
		want := map[int32]int64{0: 1, 1: 110, 2: 21}
		for p, o := range want {
			if got[p] != o {
				t.Errorf("committed offset of t/%d = %d, want %d (all: %v)", p, got[p], o, got)
			}
		}
		if o := fetchOffsets(ctx, t, cl, "commits", "no-such-topic", 0); o[0] != -1 {
			t.Errorf("OffsetFetch of the refused no-such-topic/0 = %d, want -1 (nothing committed)", o[0])
		}
	})
}

// createGroupTopic creates topic and waits until its partitions serve.
func createGroupTopic(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, n int32) {
	t.Helper()
	adm := kadm.NewClient(cl)
	res, err := adm.CreateTopics(ctx, n, 1, nil, topic)
	if err == nil {
		err = res[topic].Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		t.Fatalf("create %s: %v", topic, err)
	}
	for ctx.Err() == nil {
		td, err := adm.ListTopics(ctx, topic)
		if err == nil && td[topic].Err == nil && len(td[topic].Partitions) == int(n) {
			ok := true
			for _, p := range td[topic].Partitions {
				ok = ok && p.Leader >= 0 && p.Err == nil
			}
			if ok {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("topic %s not ready", topic)
}

// fetchOffsets is OffsetFetch of topic's partitions for group (-1: none).
func fetchOffsets(ctx context.Context, t *testing.T, cl *kgo.Client, group, topic string, parts ...int32) map[int32]int64 {
	t.Helper()
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Group = group
	rt := kmsg.NewOffsetFetchRequestTopic()
	rt.Topic, rt.Partitions = topic, parts
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("OffsetFetch: %v", err)
	}
	out := map[int32]int64{}
	if err := kerr.ErrorForCode(resp.ErrorCode); errors.Is(err, kerr.GroupIDNotFound) {
		// Kafka answers -1 offsets for a group it does not know; kfake
		// answers GROUP_ID_NOT_FOUND. Both say: nothing committed.
		for _, p := range parts {
			out[p] = -1
		}
		return out
	} else if err != nil {
		t.Fatalf("OffsetFetch: %v", err)
	}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) {
				t.Fatalf("OffsetFetch %s/%d: %v", rt.Topic, rp.Partition, err)
			}
			out[rp.Partition] = rp.Offset
		}
	}
	return out
}

// TestGroupAdmin: the group admin APIs through kadm. A consumer group with
// a live franz-go member on topic t ("busy") and a group with only
// committed offsets on t and u ("idle"):
//   - ListGroups lists busy as Stable and idle as Empty, both "consumer";
//   - DeleteGroups of busy is NON_EMPTY_GROUP; of a group that never
//     existed, GROUP_ID_NOT_FOUND;
//   - OffsetDelete of busy's subscribed topic is GROUP_SUBSCRIBED_TO_TOPIC;
//     of idle's topic u, it removes u's offsets and keeps t's;
//   - DeleteGroups of idle removes it: no longer listed, and OffsetFetch
//     answers no offsets for it.
func TestGroupAdmin(t *testing.T) {
	forEachGroupTarget(t, 0, func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		adm := kadm.NewClient(cl)
		createGroupTopic(ctx, t, cl, "t", 3)
		createGroupTopic(ctx, t, cl, "u", 2)
		newClient(t, addr, kgo.ConsumerGroup("busy"), kgo.ConsumeTopics("t"), kgo.ClientID("busy-member"),
			kgo.SessionTimeout(groupSessionMillis*time.Millisecond), kgo.HeartbeatInterval(200*time.Millisecond))
		waitGroup(ctx, t, adm, "busy", 1)
		if c := commit(ctx, t, cl, "idle", -1, "", "t", 1, 0, 1, 2); c[0]|c[1]|c[2] != 0 {
			t.Fatalf("commit idle t: %v", c)
		}
		if c := commit(ctx, t, cl, "idle", -1, "", "u", 2, 0, 1); c[0]|c[1] != 0 {
			t.Fatalf("commit idle u: %v", c)
		}

		lg, err := adm.ListGroups(ctx)
		if err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		for g, state := range map[string]string{"busy": "Stable", "idle": "Empty"} {
			if l, ok := lg[g]; !ok || l.State != state || l.ProtocolType != "consumer" && g == "busy" {
				t.Errorf("ListGroups: %s = %+v (listed %v), want state %s", g, l, ok, state)
			}
		}

		dr, err := adm.DeleteGroups(ctx, "busy", "never-existed")
		if err != nil {
			t.Fatalf("DeleteGroups: %v", err)
		}
		if err := dr["busy"].Err; !errors.Is(err, kerr.NonEmptyGroup) {
			t.Errorf("DeleteGroups of a group with a live member: %v, want NON_EMPTY_GROUP", err)
		}
		if err := dr["never-existed"].Err; !errors.Is(err, kerr.GroupIDNotFound) {
			t.Errorf("DeleteGroups of an unknown group: %v, want GROUP_ID_NOT_FOUND", err)
		}

		od, err := adm.DeleteOffsets(ctx, "busy", kadm.TopicsSet{"t": {0: {}}})
		if err != nil {
			t.Fatalf("OffsetDelete busy: %v", err)
		}
		if e, _ := od.Lookup("t", 0); !errors.Is(e, kerr.GroupSubscribedToTopic) {
			t.Errorf("OffsetDelete of a subscribed topic: %v, want GROUP_SUBSCRIBED_TO_TOPIC", e)
		}
		od, err = adm.DeleteOffsets(ctx, "idle", kadm.TopicsSet{"u": {0: {}, 1: {}}})
		if err != nil {
			t.Fatalf("OffsetDelete idle: %v", err)
		}
		for p := range int32(2) {
			if e, _ := od.Lookup("u", p); e != nil {
				t.Errorf("OffsetDelete idle u/%d: %v", p, e)
			}
		}
		if o := fetchOffsets(ctx, t, cl, "idle", "u", 0, 1); o[0] != -1 || o[1] != -1 {
			t.Errorf("idle's offsets of u after OffsetDelete: %v, want none (-1)", o)
		}
		if o := fetchOffsets(ctx, t, cl, "idle", "t", 0, 1, 2); o[0] != 1 || o[1] != 11 || o[2] != 21 {
			t.Errorf("idle's offsets of t after OffsetDelete of u: %v, want 1, 11, 21", o)
		}

		dr, err = adm.DeleteGroups(ctx, "idle")
		if err != nil || dr["idle"].Err != nil {
			t.Fatalf("DeleteGroups idle: %v %v", err, dr["idle"].Err)
		}
		lg, err = adm.ListGroups(ctx)
		if err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		if _, ok := lg["idle"]; ok {
			t.Errorf("ListGroups still lists the deleted group: %+v", lg["idle"])
		}
		if o := fetchOffsets(ctx, t, cl, "idle", "t", 0, 1, 2); o[0] != -1 || o[1] != -1 || o[2] != -1 {
			t.Errorf("offsets of the deleted group: %v, want none (-1)", o)
		}
	})
}

// joinStatic is JoinGroup for a static member (KIP-345): instance id set;
// a new static member sends no member id (it gets one without
// MEMBER_ID_REQUIRED), a known one sends its id.
func joinStatic(ctx context.Context, t *testing.T, cl *kgo.Client, group, instance, memberID string, userData ...byte) *kmsg.JoinGroupResponse {
	t.Helper()
	req := kmsg.NewPtrJoinGroupRequest()
	req.Group, req.InstanceID, req.ProtocolType, req.MemberID = group, &instance, "consumer", memberID
	req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = groupSessionMillis, 5000
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Topics, meta.UserData = []string{"t"}, userData
	jp := kmsg.NewJoinGroupRequestProtocol()
	jp.Name, jp.Metadata = "range", meta.AppendTo(nil)
	req.Protocols = append(req.Protocols, jp)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("JoinGroup %s (instance %s): %v", group, instance, err)
	}
	return resp
}

// TestGroupStaticMemberRejoin (KIP-345): a static member that rejoins a
// Stable group with its instance id and no member id (a restarted process)
// replaces its old member id without a rebalance: the JoinGroup answer is
// immediate, at the current generation, the other member's heartbeat is
// NONE (not REBALANCE_IN_PROGRESS), and the old member id is fenced
// (FENCED_INSTANCE_ID).
//
// Kafka skips the rebalance whenever the group's selected protocol stays
// the same (GroupCoordinator.updateStaticMemberAndRebalance: "Static member
// which joins during Stable stage and doesn't affect selectProtocol will
// not trigger rebalance"), even if the member's protocol metadata bytes
// changed, which they do for a restarted franz-go client (its
// ConsumerMemberMetadata v3 carries the generation it last saw: -1 after a
// restart) and a restarted Java client (owned partitions). Case
// "same-metadata" rejoins with the bytes of its last join; case
// "new-metadata" with different user data. kfake rebalances on changed
// metadata (its sameJoin compares the bytes), so "new-metadata" runs only
// against Samsa, where Kafka's behaviour is the reference.
func TestGroupStaticMemberRejoin(t *testing.T) {
	t.Run("same-metadata", func(t *testing.T) {
		forEachGroupTarget(t, 0, func(t *testing.T, addr string) { staticRejoin(t, addr, nil) })
	})
	t.Run("new-metadata", func(t *testing.T) {
		forEachGroupTargetBut(t, 0, "it rebalances when a returning static member's metadata bytes changed",
			func(t *testing.T, addr string) { staticRejoin(t, addr, []byte("restarted")) })
	})
}

func staticRejoin(t *testing.T, addr string, userData []byte) {
	{
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		createGroupTopic(ctx, t, cl, "t", 2)
		ra := joinStatic(ctx, t, cl, "static", "a", "")
		if err := kerr.ErrorForCode(ra.ErrorCode); err != nil {
			t.Fatalf("a joins: %v", err)
		}
		a := &rawMember{t: t, cl: cl, group: "static", id: ra.MemberID, gen: ra.Generation, protocol: "range"}
		if code := a.sync(ctx, a.gen, a.id); code != 0 {
			t.Fatalf("a syncs: %v", kerr.ErrorForCode(code))
		}
		// b joins (on its own client: a connection serves one request at a
		// time, and b's JoinGroup waits): a rebalance, which completes
		// when a rejoins too.
		clb := newGroupClient(t, addr)
		var rb *kmsg.JoinGroupResponse
		bjoined := make(chan struct{})
		go func() {
			defer close(bjoined)
			rb = joinStatic(ctx, t, clb, "static", "b", "")
		}()
		for code := int16(0); code != kerr.RebalanceInProgress.Code; {
			if code = a.heartbeat(ctx, a.gen, a.id); code != 0 && code != kerr.RebalanceInProgress.Code {
				t.Fatalf("a's heartbeat while b joins: %v", kerr.ErrorForCode(code))
			}
			time.Sleep(20 * time.Millisecond)
		}
		ra2 := joinStatic(ctx, t, cl, "static", "a", a.id)
		<-bjoined
		if ra2.ErrorCode != 0 || rb.ErrorCode != 0 || ra2.Generation != rb.Generation {
			t.Fatalf("the rebalance for b: a %v gen %d, b %v gen %d", kerr.ErrorForCode(ra2.ErrorCode), ra2.Generation, kerr.ErrorForCode(rb.ErrorCode), rb.Generation)
		}
		a.gen = ra2.Generation
		b := &rawMember{t: t, cl: clb, group: "static", id: rb.MemberID, gen: rb.Generation, protocol: "range"}
		// Both sync (the leader's assignment, empty here, is what matters
		// to the protocol, not its content).
		syncs := make(chan int16, 2)
		go func() { syncs <- b.sync(ctx, b.gen, b.id) }()
		if code := a.sync(ctx, a.gen, a.id); code != 0 {
			t.Fatalf("a syncs after b joined: %v", kerr.ErrorForCode(code))
		}
		if code := <-syncs; code != 0 {
			t.Fatalf("b syncs: %v", kerr.ErrorForCode(code))
		}

		// b's process restarts: the same instance id, no member id.
		rb2 := joinStatic(ctx, t, cl, "static", "b", "", userData...)
		if err := kerr.ErrorForCode(rb2.ErrorCode); err != nil {
			t.Fatalf("b rejoins: %v", err)
		}
		if rb2.Generation != b.gen {
			t.Errorf("b's rejoin answered generation %d, want the current %d (no rebalance)", rb2.Generation, b.gen)
		}
		if rb2.MemberID == b.id {
			t.Errorf("b's rejoin kept member id %s, want a new one", b.id)
		}
		wantCode(t, "a's heartbeat after b's static rejoin", a.heartbeat(ctx, a.gen, a.id), noError)
		hb := kmsg.NewPtrHeartbeatRequest()
		instance := "b"
		hb.Group, hb.Generation, hb.MemberID, hb.InstanceID = "static", b.gen, b.id, &instance
		hresp, err := hb.RequestWith(ctx, clb)
		if err != nil {
			t.Fatal(err)
		}
		wantCode(t, "a heartbeat of instance b with its old member id", hresp.ErrorCode, kerr.FencedInstanceID)
	}
}

// TestGroupRebalancePhases: what members that do not keep up with a
// rebalance get, as in Kafka's classic protocol. a is Stable alone at
// generation g; b joins (on its own connection, its JoinGroup waits):
//   - while the group is PreparingRebalance, a's heartbeat is
//     REBALANCE_IN_PROGRESS and a's OffsetCommit at generation g is
//     accepted (Kafka keeps accepting the old generation's commits until
//     the join completes);
//   - a never rejoins: when the rebalance timeout a joined with (1 s)
//     passes, the join completes without a, b leads generation g+1 alone,
//     and a's heartbeat is UNKNOWN_MEMBER_ID;
//   - after the join, before b syncs (CompletingRebalance), b's
//     OffsetCommit at g+1 is REBALANCE_IN_PROGRESS; after its SyncGroup it
//     is accepted.
func TestGroupRebalancePhases(t *testing.T) {
	forEachGroupTarget(t, 0, func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		createGroupTopic(ctx, t, cl, "t", 2)
		// Both join with a 1 s rebalance timeout (the group's is the
		// largest of its members').
		ra := joinRT(ctx, t, cl, 1000, "phases", "", "consumer", "range")
		if err := kerr.ErrorForCode(ra.ErrorCode); err != nil {
			t.Fatalf("a joins: %v", err)
		}
		a := &rawMember{t: t, cl: cl, group: "phases", id: ra.MemberID, gen: ra.Generation, protocol: "range"}
		if code := a.sync(ctx, a.gen, a.id); code != 0 {
			t.Fatalf("a syncs: %v", kerr.ErrorForCode(code))
		}

		clb := newGroupClient(t, addr)
		var rb *kmsg.JoinGroupResponse
		bjoined := make(chan struct{})
		go func() {
			defer close(bjoined)
			rb = joinRT(ctx, t, clb, 1000, "phases", "", "consumer", "range")
		}()
		for code := int16(0); code != kerr.RebalanceInProgress.Code; {
			select {
			case <-bjoined:
				t.Fatalf("b's join completed before a's heartbeat saw the rebalance: %v gen %d", kerr.ErrorForCode(rb.ErrorCode), rb.Generation)
			default:
			}
			if code = a.heartbeat(ctx, a.gen, a.id); code != 0 && code != kerr.RebalanceInProgress.Code {
				t.Fatalf("a's heartbeat while b joins: %v", kerr.ErrorForCode(code))
			}
			time.Sleep(10 * time.Millisecond)
		}
		c := commit(ctx, t, cl, "phases", a.gen, a.id, "t", 3, 0)
		wantCode(t, "a's OffsetCommit at its generation while the group is PreparingRebalance", c[0], noError)

		<-bjoined
		if err := kerr.ErrorForCode(rb.ErrorCode); err != nil {
			t.Fatalf("b's join: %v", err)
		}
		if rb.Generation != a.gen+1 || rb.LeaderID != rb.MemberID || len(rb.Members) != 1 {
			t.Errorf("b's join: generation %d (a had %d), leader %s (b is %s), %d members; want a's generation + 1, b leading alone",
				rb.Generation, a.gen, rb.LeaderID, rb.MemberID, len(rb.Members))
		}
		wantCode(t, "a's heartbeat after the join completed without it", a.heartbeat(ctx, a.gen, a.id), kerr.UnknownMemberID)

		b := &rawMember{t: t, cl: clb, group: "phases", id: rb.MemberID, gen: rb.Generation, protocol: "range"}
		c = commit(ctx, t, clb, "phases", b.gen, b.id, "t", 5, 1)
		wantCode(t, "b's OffsetCommit before its SyncGroup (CompletingRebalance)", c[1], kerr.RebalanceInProgress)
		if code := b.sync(ctx, b.gen, b.id); code != 0 {
			t.Fatalf("b syncs: %v", kerr.ErrorForCode(code))
		}
		c = commit(ctx, t, clb, "phases", b.gen, b.id, "t", 5, 1)
		wantCode(t, "b's OffsetCommit after its SyncGroup", c[1], noError)
		if got := fetchOffsets(ctx, t, cl, "phases", "t", 0, 1); got[0] != 3 || got[1] != 15 {
			t.Errorf("committed offsets %v, want t/0 = 3 (a's, during PreparingRebalance) and t/1 = 15 (b's, Stable)", got)
		}
	})
}

// TestGroupLeaderNeverSyncs: after a rebalance's join phase, the leader
// (a) neither syncs nor heartbeats. b's SyncGroup waits for the leader's
// assignment. Kafka (3.2+) removes a member that has not sent its SyncGroup
// within the rebalance timeout (2 s) after the join, so a is removed and a
// new rebalance starts, answering b's waiting SyncGroup
// REBALANCE_IN_PROGRESS; b then rejoins and leads the next generation
// alone. b's own session timeout is 500 ms, and it waits in SyncGroup for
// the 2 s: Kafka counts a member awaiting its SyncGroup (or rejoin) answer
// as heartbeating (MemberMetadata.hasSatisfiedHeartbeat) and restarts its
// session when it answers, so b must not expire while it waits.
func TestGroupLeaderNeverSyncs(t *testing.T) {
	forEachGroupTargetBut(t, 0, "it expires a member waiting in SyncGroup when its session timeout passes", func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cla, clb := newGroupClient(t, addr), newGroupClient(t, addr)
		createGroupTopic(ctx, t, cla, "t", 2)
		// a's session is 6 s, b's 500 ms; the rebalance timeout is 2 s.
		joinWithSession := func(cl *kgo.Client, memberID string) *kmsg.JoinGroupResponse {
			session := int32(6000)
			if cl == clb {
				session = 500
			}
			return joinMember(ctx, t, cl, "leaderless", memberID, session, 2000)
		}
		ra := joinWithSession(cla, "")
		if ra == nil || ra.ErrorCode != 0 {
			t.Fatalf("a joins: %+v", ra)
		}
		a := &rawMember{t: t, cl: cla, group: "leaderless", id: ra.MemberID, gen: ra.Generation, protocol: "range"}
		if code := a.sync(ctx, a.gen, a.id); code != 0 {
			t.Fatalf("a syncs: %v", kerr.ErrorForCode(code))
		}
		// b joins; a rejoins (it learns of the rebalance by heartbeat) and
		// leads the new generation, then goes silent.
		var rb *kmsg.JoinGroupResponse
		bjoined := make(chan struct{})
		go func() { defer close(bjoined); rb = joinWithSession(clb, "") }()
		for code := int16(0); code != kerr.RebalanceInProgress.Code; {
			if code = a.heartbeat(ctx, a.gen, a.id); code != 0 && code != kerr.RebalanceInProgress.Code {
				t.Fatalf("a's heartbeat: %v", kerr.ErrorForCode(code))
			}
			time.Sleep(10 * time.Millisecond)
		}
		ra = joinWithSession(cla, a.id)
		<-bjoined
		if ra == nil || rb == nil || ra.ErrorCode != 0 || rb.ErrorCode != 0 || ra.LeaderID != a.id {
			t.Fatalf("the rebalance for b: a %+v, b %+v (want a leading)", ra, rb)
		}
		b := &rawMember{t: t, cl: clb, group: "leaderless", id: rb.MemberID, gen: rb.Generation, protocol: "range"}
		// b's SyncGroup (no assignments: it is not the leader) waits for a's.
		sreq := kmsg.NewPtrSyncGroupRequest()
		sreq.Group, sreq.Generation, sreq.MemberID = "leaderless", b.gen, b.id
		pt, pn := "consumer", "range"
		sreq.ProtocolType, sreq.Protocol = &pt, &pn
		sresp, err := sreq.RequestWith(ctx, clb)
		if err != nil {
			t.Fatalf("b's SyncGroup: %v", err)
		}
		// b's SyncGroup can only end because the leader was removed for
		// not syncing: a must be gone from the group by now.
		dg, err := kadm.NewClient(clb).DescribeGroups(ctx, "leaderless")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range dg["leaderless"].Members {
			if m.MemberID == a.id {
				t.Errorf("b's SyncGroup was answered (%v) while the leader a is still a member (group %s): b's own session expired while it waited for the leader's assignment",
					kerr.ErrorForCode(sresp.ErrorCode), dg["leaderless"].State)
			}
		}
		wantCode(t, "b's SyncGroup, waiting for a leader that never syncs", sresp.ErrorCode, kerr.RebalanceInProgress)
		rb2 := joinWithSession(clb, b.id)
		if rb2 == nil || rb2.ErrorCode != 0 || rb2.LeaderID != b.id || len(rb2.Members) != 1 || rb2.Generation <= b.gen {
			t.Errorf("b's rejoin: %+v, want b leading a later generation alone", rb2)
		}
		wantCode(t, "a's heartbeat after it was removed", a.heartbeat(ctx, ra.Generation, a.id), kerr.UnknownMemberID)
	})
}

// TestGroupOffsetFields: what OffsetCommit stores comes back from
// OffsetFetch: the committed metadata string and leader epoch per
// partition; OffsetFetch without topics returns every committed partition
// of the group; DescribeGroups of a group that does not exist answers
// state Dead without members; ListGroups' states filter (v4+) returns only
// the groups in those states.
func TestGroupOffsetFields(t *testing.T) {
	forEachGroupTarget(t, 0, func(t *testing.T, addr string) {
		ctx := testContext(t, 60*time.Second)
		cl := newGroupClient(t, addr)
		createGroupTopic(ctx, t, cl, "t", 3)
		req := kmsg.NewPtrOffsetCommitRequest()
		req.Group, req.Generation = "fields", -1
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = "t"
		for p := range int32(3) {
			rp := kmsg.NewOffsetCommitRequestTopicPartition()
			rp.Partition, rp.Offset, rp.LeaderEpoch = p, 100+int64(p), 7+p
			md := fmt.Sprintf("meta-%d", p)
			rp.Metadata = &md
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range resp.Topics {
			for _, rp := range rt.Partitions {
				if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
					t.Fatalf("commit t/%d: %v", rp.Partition, err)
				}
			}
		}
		freq := kmsg.NewPtrOffsetFetchRequest()
		freq.Group = "fields" // no topics: all of the group's
		fresp, err := freq.RequestWith(ctx, cl)
		if err != nil || fresp.ErrorCode != 0 {
			t.Fatalf("OffsetFetch: %v %v", err, kerr.ErrorForCode(fresp.ErrorCode))
		}
		seen := 0
		for _, ft := range fresp.Topics {
			for _, fp := range ft.Partitions {
				if ft.Topic != "t" {
					t.Errorf("OffsetFetch returned %s/%d, never committed", ft.Topic, fp.Partition)
					continue
				}
				seen++
				md := ""
				if fp.Metadata != nil {
					md = *fp.Metadata
				}
				if fp.Offset != 100+int64(fp.Partition) || fp.LeaderEpoch != 7+fp.Partition || md != fmt.Sprintf("meta-%d", fp.Partition) {
					t.Errorf("OffsetFetch t/%d: offset %d, epoch %d, metadata %q; committed %d, %d, %q",
						fp.Partition, fp.Offset, fp.LeaderEpoch, md, 100+fp.Partition, 7+fp.Partition, fmt.Sprintf("meta-%d", fp.Partition))
				}
			}
		}
		if seen != 3 {
			t.Errorf("OffsetFetch of all topics returned %d of t's 3 committed partitions: %+v", seen, fresp.Topics)
		}

		adm := kadm.NewClient(cl)
		dg, err := adm.DescribeGroups(ctx, "no-such-group")
		if err != nil {
			t.Fatalf("DescribeGroups: %v", err)
		}
		if g := dg["no-such-group"]; g.State != "Dead" || len(g.Members) != 0 {
			t.Errorf("DescribeGroups of an unknown group: state %q, %d members, err %v; want Dead, none", g.State, len(g.Members), g.Err)
		}

		newClient(t, addr, kgo.ConsumerGroup("filtered-live"), kgo.ConsumeTopics("t"),
			kgo.SessionTimeout(groupSessionMillis*time.Millisecond), kgo.HeartbeatInterval(200*time.Millisecond))
		waitGroup(ctx, t, adm, "filtered-live", 1)
		stable, err := adm.ListGroups(ctx, "Stable")
		if err != nil {
			t.Fatalf("ListGroups(Stable): %v", err)
		}
		if _, ok := stable["filtered-live"]; !ok || len(stable) != 1 {
			t.Errorf("ListGroups filtered to Stable: %v, want only filtered-live", stable.Groups())
		}
		empty, err := adm.ListGroups(ctx, "Empty")
		if err != nil {
			t.Fatalf("ListGroups(Empty): %v", err)
		}
		if _, ok := empty["fields"]; !ok || len(empty) != 1 {
			t.Errorf("ListGroups filtered to Empty: %v, want only fields (offsets only)", empty.Groups())
		}
	})
}
