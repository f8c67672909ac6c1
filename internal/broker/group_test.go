package broker

// End-to-end tests of the group coordinator on an in-process broker:
// franz-go's group consumer and kadm over real sockets, and raw kmsg
// requests for the error paths a client library hides.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// groupConfig keeps group tests fast: no initial rebalance delay, short
// sessions, few offsets partitions.
var groupConfig = map[string]string{
	"group.initial.rebalance.delay.ms": "0",
	"group.min.session.timeout.ms":     "100",
	"offsets.topic.num.partitions":     "4",
}

func startGroupBroker(t *testing.T, dir string, extra map[string]string) *Broker {
	t.Helper()
	cfg := maps.Clone(groupConfig)
	maps.Copy(cfg, extra)
	return startBrokerWith(t, dir, cfg)
}

func produceN(t *testing.T, ctx context.Context, b *Broker, topic string, partitions, perPartition int) {
	t.Helper()
	prod := client(t, b, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p := range partitions {
		for i := range perPartition {
			prod.Produce(ctx, &kgo.Record{Partition: int32(p), Value: fmt.Appendf(nil, "p%d-%d", p, i)}, func(_ *kgo.Record, err error) {
				if err != nil {
					t.Errorf("produce: %v", err)
				}
			})
		}
	}
	if err := prod.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func groupConsumer(t *testing.T, b *Broker, groupID, topic string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	return client(t, b, append([]kgo.Opt{kgo.ConsumerGroup(groupID), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit(),
		kgo.SessionTimeout(3 * time.Second), kgo.HeartbeatInterval(100 * time.Millisecond)}, opts...)...)
}

// consumeN polls until n records arrived.
func consumeN(t *testing.T, ctx context.Context, c *kgo.Client, n int) []*kgo.Record {
	t.Helper()
	var out []*kgo.Record
	for len(out) < n {
		fs := c.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consumed %d of %d records: %v", len(out), n, ctx.Err())
		}
		fs.EachError(func(topic string, p int32, err error) { t.Logf("fetch error %s[%d]: %v", topic, p, err) })
		out = append(out, fs.Records()...)
	}
	return out
}

func TestGroupConsumeCommitRestart(t *testing.T) {
	dir := t.TempDir()
	b := startGroupBroker(t, dir, nil)
	ctx := testContext(t)
	adm := kadm.NewClient(client(t, b))
	createTopic(t, ctx, adm, "events", 3, nil)
	produceN(t, ctx, b, "events", 3, 10)

	c := groupConsumer(t, b, "g1", "events")
	recs := consumeN(t, ctx, c, 30)
	if len(recs) != 30 {
		t.Fatalf("consumed %d records", len(recs))
	}
	if err := c.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	fetched, err := adm.FetchOffsets(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	for p := range int32(3) {
		o, ok := fetched.Lookup("events", p)
		if !ok || o.Err != nil || o.At != 10 {
			t.Errorf("partition %d: committed %+v (found %v)", p, o, ok)
		}
	}
	described, err := adm.DescribeGroups(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	if d := described["g1"]; d.State != "Stable" || len(d.Members) != 1 || d.ProtocolType != "consumer" {
		t.Errorf("describe: state %s, %d members, type %q", d.State, len(d.Members), d.ProtocolType)
	}
	// Metadata marks the offsets topic internal.
	md, err := adm.Metadata(ctx, "__consumer_offsets")
	if err != nil {
		t.Fatal(err)
	}
	if td := md.Topics["__consumer_offsets"]; !td.IsInternal || len(td.Partitions) != 4 {
		t.Errorf("__consumer_offsets: internal=%v partitions=%d", td.IsInternal, len(td.Partitions))
	}
	// Clients cannot write the offsets topic.
	bad := client(t, b, kgo.DefaultProduceTopic("__consumer_offsets"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err := bad.ProduceSync(ctx, &kgo.Record{Value: []byte("garbage")}).FirstErr(); !errors.Is(err, kerr.InvalidTopicException) {
		t.Errorf("produce to __consumer_offsets: %v", err)
	}
	c.Close() // leaves the group
	eventually(t, "group empty after leave", func() error {
		d, err := adm.DescribeGroups(ctx, "g1")
		if err != nil {
			return err
		}
		if s := d["g1"].State; s != "Empty" {
			return fmt.Errorf("state %s", s)
		}
		return nil
	})
	stopBroker(t, b)

	b2 := startGroupBroker(t, dir, nil)
	defer stopBroker(t, b2)
	adm2 := kadm.NewClient(client(t, b2))
	eventually(t, "offsets after restart", func() error {
		fetched, err := adm2.FetchOffsets(ctx, "g1")
		if err != nil {
			return err
		}
		for p := range int32(3) {
			if o, ok := fetched.Lookup("events", p); !ok || o.At != 10 {
				return fmt.Errorf("partition %d: %+v", p, o)
			}
		}
		return nil
	})
	listed, err := adm2.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := listed["g1"]; !ok || g.State != "Empty" || g.ProtocolType != "consumer" {
		t.Errorf("list after restart: %+v", listed)
	}
	// A consumer of the same group resumes from the committed offsets.
	produceN(t, ctx, b2, "events", 3, 1)
	c2 := groupConsumer(t, b2, "g1", "events")
	for _, r := range consumeN(t, ctx, c2, 3) {
		if r.Offset != 10 {
			t.Errorf("resumed at %s[%d] offset %d, want 10", r.Topic, r.Partition, r.Offset)
		}
	}
}

func TestGroupTwoConsumersSplitPartitions(t *testing.T) {
	b := startGroupBroker(t, t.TempDir(), nil)
	defer stopBroker(t, b)
	ctx := testContext(t)
	adm := kadm.NewClient(client(t, b))
	createTopic(t, ctx, adm, "split", 4, nil)
	var mu sync.Mutex
	assigned := map[int][]int32{}
	track := func(i int) kgo.Opt {
		return kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			mu.Lock()
			assigned[i] = append(assigned[i], m["split"]...)
			mu.Unlock()
		})
	}
	revoke := func(i int) kgo.Opt {
		return kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			mu.Lock()
			assigned[i] = slices.DeleteFunc(assigned[i], func(p int32) bool { return slices.Contains(m["split"], p) })
			mu.Unlock()
		})
	}
	c1 := groupConsumer(t, b, "pair", "split", track(1), revoke(1))
	c2 := groupConsumer(t, b, "pair", "split", track(2), revoke(2))
	go func() {
		for ctx.Err() == nil {
			if c1.PollFetches(ctx).IsClientClosed() {
				return
			}
		}
	}()
	go func() {
		for ctx.Err() == nil {
			if c2.PollFetches(ctx).IsClientClosed() {
				return
			}
		}
	}()
	eventually(t, "two consumers share four partitions", func() error {
		d, err := adm.DescribeGroups(ctx, "pair")
		if err != nil {
			return err
		}
		if g := d["pair"]; g.State != "Stable" || len(g.Members) != 2 {
			return fmt.Errorf("state %s with %d members", g.State, len(g.Members))
		}
		mu.Lock()
		defer mu.Unlock()
		a, b := slices.Sorted(slices.Values(assigned[1])), slices.Sorted(slices.Values(assigned[2]))
		all := slices.Sorted(slices.Values(append(slices.Clone(a), b...)))
		if len(a) != 2 || len(b) != 2 || !slices.Equal(all, []int32{0, 1, 2, 3}) {
			return fmt.Errorf("assigned %v and %v", a, b)
		}
		return nil
	})
}

// rawGroup sends group requests straight to the coordinator (the only
// broker), with a generous timeout for joins.
func rawRequest[R kmsg.Response](t *testing.T, ctx context.Context, cl *kgo.Client, req kmsg.Request) R {
	t.Helper()
	return direct[R](t, ctx, cl, req)
}

// findCoordinator looks a group's coordinator up until it is this broker.
// The first lookup creates __consumer_offsets; until the broker has loaded
// the group's partition the answer may be COORDINATOR_NOT_AVAILABLE or
// COORDINATOR_LOAD_IN_PROGRESS, which clients retry.
func findCoordinator(t *testing.T, ctx context.Context, cl *kgo.Client, group string) {
	t.Helper()
	eventually(t, "find coordinator", func() error {
		fc := kmsg.NewPtrFindCoordinatorRequest()
		fc.CoordinatorKeys = []string{group}
		r := rawRequest[*kmsg.FindCoordinatorResponse](t, ctx, cl, fc)
		if len(r.Coordinators) != 1 {
			t.Fatalf("find coordinator: %+v", r)
		}
		if c := r.Coordinators[0]; c.ErrorCode != 0 || c.NodeID != 1 {
			return fmt.Errorf("coordinator %d: %v", c.NodeID, kerr.ErrorForCode(c.ErrorCode))
		}
		return nil
	})
}

func joinReq(group, member string, version int16) *kmsg.JoinGroupRequest {
	j := kmsg.NewPtrJoinGroupRequest()
	j.Version = version
	j.Group, j.MemberID = group, member
	j.SessionTimeoutMillis, j.RebalanceTimeoutMillis = 3000, 3000
	j.ProtocolType = "consumer"
	p := kmsg.NewJoinGroupRequestProtocol()
	p.Name, p.Metadata = "range", []byte{0, 1}
	j.Protocols = []kmsg.JoinGroupRequestProtocol{p}
	return j
}

func TestGroupErrorsRaw(t *testing.T) {
	b := startGroupBroker(t, t.TempDir(), map[string]string{"group.max.size": "1"})
	defer stopBroker(t, b)
	ctx := testContext(t)
	cl := client(t, b)
	adm := kadm.NewClient(cl)
	createTopic(t, ctx, adm, "t", 2, nil)

	findCoordinator(t, ctx, cl, "raw")
	join := func(req *kmsg.JoinGroupRequest) *kmsg.JoinGroupResponse {
		t.Helper()
		var resp *kmsg.JoinGroupResponse
		eventually(t, "join", func() error {
			resp = rawRequest[*kmsg.JoinGroupResponse](t, ctx, cl, req)
			if err := kerr.ErrorForCode(resp.ErrorCode); errors.Is(err, kerr.CoordinatorLoadInProgress) || errors.Is(err, kerr.NotCoordinator) {
				return err
			}
			return nil
		})
		return resp
	}
	// MEMBER_ID_REQUIRED on a first join at v4+ (KIP-394), with the id.
	r := join(joinReq("raw", "", 5))
	if r.ErrorCode != kerr.MemberIDRequired.Code || r.MemberID == "" {
		t.Fatalf("first join: code %d member %q", r.ErrorCode, r.MemberID)
	}
	member := r.MemberID
	r = join(joinReq("raw", member, 5))
	if r.ErrorCode != 0 || r.LeaderID != member || r.Generation != 1 || len(r.Members) != 1 {
		t.Fatalf("second join: %+v", r)
	}
	// GROUP_MAX_SIZE_REACHED: group.max.size is 1.
	if r := join(joinReq("raw", "", 3)); r.ErrorCode != kerr.GroupMaxSizeReached.Code {
		t.Fatalf("join of a second member: code %d", r.ErrorCode)
	}
	// INCONSISTENT_GROUP_PROTOCOL: another protocol type.
	other := joinReq("raw", member, 5)
	other.ProtocolType = "connect"
	if r := join(other); r.ErrorCode != kerr.InconsistentGroupProtocol.Code {
		t.Fatalf("join with another protocol type: code %d", r.ErrorCode)
	}
	// UNKNOWN_MEMBER_ID for a member id the group does not know.
	if r := join(joinReq("elsewhere", "nobody", 5)); r.ErrorCode != kerr.UnknownMemberID.Code {
		t.Fatalf("join with an unknown id: code %d", r.ErrorCode)
	}
	// ILLEGAL_GENERATION on heartbeat and sync with a wrong generation.
	hb := kmsg.NewPtrHeartbeatRequest()
	hb.Group, hb.MemberID, hb.Generation = "raw", member, 7
	if hr := rawRequest[*kmsg.HeartbeatResponse](t, ctx, cl, hb); hr.ErrorCode != kerr.IllegalGeneration.Code {
		t.Fatalf("heartbeat: code %d", hr.ErrorCode)
	}
	sy := kmsg.NewPtrSyncGroupRequest()
	sy.Group, sy.MemberID, sy.Generation = "raw", member, 1
	a := kmsg.NewSyncGroupRequestGroupAssignment()
	a.MemberID, a.MemberAssignment = member, []byte("mine")
	sy.GroupAssignment = append(sy.GroupAssignment, a)
	if sr := rawRequest[*kmsg.SyncGroupResponse](t, ctx, cl, sy); sr.ErrorCode != 0 || string(sr.MemberAssignment) != "mine" {
		t.Fatalf("sync: %+v", sr)
	}
	hb.Generation = 1
	if hr := rawRequest[*kmsg.HeartbeatResponse](t, ctx, cl, hb); hr.ErrorCode != 0 {
		t.Fatalf("heartbeat at generation 1: code %d", hr.ErrorCode)
	}
	// OffsetCommit: wrong generation, unknown member, standalone commit to
	// a group with members, and UNKNOWN_TOPIC_OR_PARTITION for a missing
	// partition while the others commit.
	commit := func(gen int32, member string, parts ...int32) *kmsg.OffsetCommitResponse {
		oc := kmsg.NewPtrOffsetCommitRequest()
		oc.Group, oc.Generation, oc.MemberID = "raw", gen, member
		ot := kmsg.NewOffsetCommitRequestTopic()
		ot.Topic = "t"
		for _, p := range parts {
			op := kmsg.NewOffsetCommitRequestTopicPartition()
			op.Partition, op.Offset = p, 42
			ot.Partitions = append(ot.Partitions, op)
		}
		oc.Topics = append(oc.Topics, ot)
		return rawRequest[*kmsg.OffsetCommitResponse](t, ctx, cl, oc)
	}
	if cr := commit(5, member, 0); cr.Topics[0].Partitions[0].ErrorCode != kerr.IllegalGeneration.Code {
		t.Errorf("commit with a wrong generation: %d", cr.Topics[0].Partitions[0].ErrorCode)
	}
	if cr := commit(1, "nobody", 0); cr.Topics[0].Partitions[0].ErrorCode != kerr.UnknownMemberID.Code {
		t.Errorf("commit by an unknown member: %d", cr.Topics[0].Partitions[0].ErrorCode)
	}
	if cr := commit(-1, "", 0); cr.Topics[0].Partitions[0].ErrorCode != kerr.UnknownMemberID.Code {
		t.Errorf("standalone commit to a group with members: %d", cr.Topics[0].Partitions[0].ErrorCode)
	}
	cr := commit(1, member, 0, 9, 1)
	if codes := []int16{cr.Topics[0].Partitions[0].ErrorCode, cr.Topics[0].Partitions[1].ErrorCode, cr.Topics[0].Partitions[2].ErrorCode}; !slices.Equal(codes, []int16{0, kerr.UnknownTopicOrPartition.Code, 0}) {
		t.Errorf("commit of partitions 0, 9, 1: codes %v", codes)
	}
	fetched, err := adm.FetchOffsets(ctx, "raw")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := fetched.Lookup("t", 1); o.At != 42 {
		t.Errorf("partition 1 committed %+v", o)
	}
	if _, ok := fetched.Lookup("t", 9); ok {
		t.Error("partition 9 has an offset")
	}
	// DeleteGroups refuses a group with members; LeaveGroup then empties it.
	if res, err := adm.DeleteGroups(ctx, "raw"); err != nil || !errors.Is(res["raw"].Err, kerr.NonEmptyGroup) {
		t.Errorf("delete of a group with members: %v %v", err, res["raw"].Err)
	}
	lv := kmsg.NewPtrLeaveGroupRequest()
	lv.Group = "raw"
	lm := kmsg.NewLeaveGroupRequestMember()
	lm.MemberID = member
	lv.Members = append(lv.Members, lm)
	if lr := rawRequest[*kmsg.LeaveGroupResponse](t, ctx, cl, lv); lr.ErrorCode != 0 || len(lr.Members) != 1 || lr.Members[0].ErrorCode != 0 {
		t.Fatalf("leave: %+v", lr)
	}
	// Standalone commits now work; OffsetDelete removes one; DeleteGroups the group.
	if cr := commit(-1, "", 0, 1); cr.Topics[0].Partitions[0].ErrorCode != 0 || cr.Topics[0].Partitions[1].ErrorCode != 0 {
		t.Errorf("standalone commit to an empty group: %+v", cr.Topics[0].Partitions)
	}
	if res, err := adm.DeleteOffsets(ctx, "raw", kadm.TopicsSet{"t": {0: {}}}); err != nil || res.Error() != nil {
		t.Errorf("offset delete: %v %v", err, res.Error())
	}
	fetched, _ = adm.FetchOffsets(ctx, "raw")
	if _, ok := fetched.Lookup("t", 0); ok {
		t.Error("partition 0 still has an offset after OffsetDelete")
	}
	if res, err := adm.DeleteGroups(ctx, "raw"); err != nil || res["raw"].Err != nil {
		t.Errorf("delete of an empty group: %v %v", err, res["raw"].Err)
	}
	if res, _ := adm.DeleteGroups(ctx, "raw"); !errors.Is(res["raw"].Err, kerr.GroupIDNotFound) {
		t.Errorf("second delete: %v", res["raw"].Err)
	}
	if d, _ := adm.DescribeGroups(ctx, "raw"); d["raw"].State != "Dead" {
		t.Errorf("deleted group described as %s", d["raw"].State)
	}
}

func TestGroupOffsetDeleteSubscribedTopic(t *testing.T) {
	b := startGroupBroker(t, t.TempDir(), nil)
	defer stopBroker(t, b)
	ctx := testContext(t)
	adm := kadm.NewClient(client(t, b))
	createTopic(t, ctx, adm, "sub", 1, nil)
	createTopic(t, ctx, adm, "other", 1, nil)
	produceN(t, ctx, b, "sub", 1, 3)
	c := groupConsumer(t, b, "od", "sub")
	consumeN(t, ctx, c, 3)
	if err := c.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	// kadm commits standalone (generation -1): refused while the group
	// has members.
	os := kadm.Offsets{}
	os.Add(kadm.Offset{Topic: "other", Partition: 0, At: 1, LeaderEpoch: -1})
	if res, err := adm.CommitOffsets(ctx, "od", os); err != nil || !errors.Is(res.Error(), kerr.UnknownMemberID) {
		t.Errorf("standalone commit to a group with members: %v %v", err, res.Error())
	}
	res, err := adm.DeleteOffsets(ctx, "od", kadm.TopicsSet{"sub": {0: {}}})
	if err != nil {
		t.Fatal(err)
	}
	if err, _ := res.Lookup("sub", 0); !errors.Is(err, kerr.GroupSubscribedToTopic) {
		t.Errorf("delete of a subscribed topic's offset: %v", err)
	}
}

// TestOffsetsTopicRewriteBoundsLog commits many times with a tiny rewrite
// threshold: the coordinator rewrites its live state and moves the log
// start of __consumer_offsets forward, and a restart still finds exactly
// the last commits.
func TestOffsetsTopicRewriteBoundsLog(t *testing.T) {
	dir := t.TempDir()
	extra := map[string]string{"offsets.topic.num.partitions": "1", "samsa.offsets.topic.rewrite.min.bytes": "2000"}
	b := startGroupBroker(t, dir, extra)
	ctx := testContext(t)
	adm := kadm.NewClient(client(t, b))
	createTopic(t, ctx, adm, "t", 2, nil)
	const commits = 200
	for i := range commits {
		os := kadm.Offsets{}
		os.Add(kadm.Offset{Topic: "t", Partition: int32(i % 2), At: int64(i), LeaderEpoch: -1})
		var err error
		eventually(t, "commit", func() error {
			var res kadm.OffsetResponses
			res, err = adm.CommitOffsets(ctx, "rw", os)
			if err == nil {
				err = res.Error()
			}
			return err
		})
	}
	starts, err := adm.ListStartOffsets(ctx, "__consumer_offsets")
	if err != nil {
		t.Fatal(err)
	}
	ends, err := adm.ListEndOffsets(ctx, "__consumer_offsets")
	if err != nil {
		t.Fatal(err)
	}
	start, _ := starts.Lookup("__consumer_offsets", 0)
	end, _ := ends.Lookup("__consumer_offsets", 0)
	if start.Offset == 0 || end.Offset-start.Offset > 40 {
		t.Errorf("__consumer_offsets-0 spans [%d, %d) after %d commits: not bounded", start.Offset, end.Offset, commits)
	}
	body := scrape(t, b)
	for _, want := range []string{`samsa_group_offset_commits_total 200`, `samsa_group_groups{state="Empty"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(body, `samsa_coordinator_rewrites_total{coordinator="group"}`) || strings.Contains(body, `samsa_coordinator_rewrites_total{coordinator="group"} 0`) {
		t.Error("no rewrite counted")
	}
	stopBroker(t, b)

	b2 := startGroupBroker(t, dir, extra)
	defer stopBroker(t, b2)
	adm2 := kadm.NewClient(client(t, b2))
	eventually(t, "offsets after restart", func() error {
		fetched, err := adm2.FetchOffsets(ctx, "rw")
		if err != nil {
			return err
		}
		o0, _ := fetched.Lookup("t", 0)
		o1, _ := fetched.Lookup("t", 1)
		if o0.At != commits-2 || o1.At != commits-1 {
			return fmt.Errorf("offsets %d and %d", o0.At, o1.At)
		}
		return nil
	})
}

func scrape(t *testing.T, b *Broker) string {
	t.Helper()
	resp, err := http.Get("http://" + b.AdminAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

// TestGroupOldProtocolVersions runs a group consumer at the oldest versions
// the broker serves (kafka-go's and old librdkafka's: FindCoordinator v0,
// JoinGroup v0, SyncGroup v0, Heartbeat v0, LeaveGroup v0, OffsetCommit v2,
// OffsetFetch v1), so the pre-flexible encodings are exercised.
func TestGroupOldProtocolVersions(t *testing.T) {
	b := startGroupBroker(t, t.TempDir(), nil)
	defer stopBroker(t, b)
	ctx := testContext(t)
	adm := kadm.NewClient(client(t, b))
	createTopic(t, ctx, adm, "old", 2, nil)
	produceN(t, ctx, b, "old", 2, 5)
	vs := kversion.Stable()
	for key, v := range map[kmsg.Key]int16{kmsg.FindCoordinator: 0, kmsg.JoinGroup: 0, kmsg.SyncGroup: 0, kmsg.Heartbeat: 0,
		kmsg.LeaveGroup: 0, kmsg.OffsetCommit: 2, kmsg.OffsetFetch: 1} {
		vs.SetMaxKeyVersion(key.Int16(), v)
	}
	c := groupConsumer(t, b, "oldies", "old", kgo.MaxVersions(vs), kgo.SessionTimeout(6*time.Second))
	consumeN(t, ctx, c, 10)
	if err := c.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	fetched, err := adm.FetchOffsets(ctx, "oldies")
	if err != nil {
		t.Fatal(err)
	}
	for p := range int32(2) {
		if o, _ := fetched.Lookup("old", p); o.At != 5 {
			t.Errorf("partition %d committed %+v", p, o)
		}
	}
	c.Close()
}

// TestGroupStaticMemberRestart: a static member (group.instance.id) that
// restarts within its session timeout gets its partitions back without a
// new generation (KIP-345).
func TestGroupStaticMemberRestart(t *testing.T) {
	b := startGroupBroker(t, t.TempDir(), nil)
	defer stopBroker(t, b)
	ctx := testContext(t)
	adm := kadm.NewClient(client(t, b))
	createTopic(t, ctx, adm, "st", 2, nil)
	produceN(t, ctx, b, "st", 2, 1)
	waitStable := func() {
		t.Helper()
		eventually(t, "stable static group", func() error {
			resp := direct[*kmsg.DescribeGroupsResponse](t, ctx, client(t, b), &kmsg.DescribeGroupsRequest{Groups: []string{"static"}})
			g := resp.Groups[0]
			if g.State != "Stable" || len(g.Members) != 1 || g.Members[0].InstanceID == nil || *g.Members[0].InstanceID != "inst-1" {
				return fmt.Errorf("state %s, members %+v", g.State, g.Members)
			}
			return nil
		})
	}
	c := groupConsumer(t, b, "static", "st", kgo.InstanceID("inst-1"))
	consumeN(t, ctx, c, 2)
	waitStable()
	// Close without leaving: kgo leaves only dynamic members' groups on
	// close; a static member stays for its session timeout.
	c.Close()
	c2 := groupConsumer(t, b, "static", "st", kgo.InstanceID("inst-1"))
	produceN(t, ctx, b, "st", 2, 1)
	consumeN(t, ctx, c2, 2)
	waitStable()
	if n := rebalances(t, b); n != "1" {
		t.Errorf("%v rebalances: the static member's restart rebalanced", n)
	}
}

// rebalances reads samsa_group_rebalances_total.
func rebalances(t *testing.T, b *Broker) string {
	t.Helper()
	for _, line := range strings.Split(scrape(t, b), "\n") {
		if v, ok := strings.CutPrefix(line, "samsa_group_rebalances_total "); ok {
			return v
		}
	}
	return "?"
}

// TestGroupJoinEndsAtShutdown: a JoinGroup waiting for a rebalance returns
// when the broker shuts down instead of holding shutdown for the rebalance
// timeout.
func TestGroupJoinEndsAtShutdown(t *testing.T) {
	b := startGroupBroker(t, t.TempDir(), nil)
	ctx := testContext(t)
	cl := client(t, b)
	join := func(member string) *kmsg.JoinGroupResponse {
		req := joinReq("slow", member, 5)
		req.RebalanceTimeoutMillis = 60_000
		req.SessionTimeoutMillis = 30_000
		var resp *kmsg.JoinGroupResponse
		eventually(t, "join", func() error {
			r, err := cl.Request(ctx, req)
			if err != nil {
				return err
			}
			resp = r.(*kmsg.JoinGroupResponse)
			if err := kerr.ErrorForCode(resp.ErrorCode); errors.Is(err, kerr.CoordinatorLoadInProgress) || errors.Is(err, kerr.NotCoordinator) || errors.Is(err, kerr.CoordinatorNotAvailable) {
				return err
			}
			return nil
		})
		return resp
	}
	first := join("")
	leader := join(first.MemberID)
	if leader.ErrorCode != 0 {
		t.Fatalf("join: %d", leader.ErrorCode)
	}
	// A second member starts a rebalance the leader never rejoins: its
	// JoinGroup would wait the 60 s rebalance timeout.
	second := join("")
	done := make(chan struct{})
	go func() {
		defer close(done)
		req := joinReq("slow", second.MemberID, 5)
		req.RebalanceTimeoutMillis, req.SessionTimeoutMillis = 60_000, 30_000
		cl.Request(context.Background(), req)
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	stopBroker(t, b)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("shutdown took %v with a join waiting", d)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("the waiting join did not end")
	}
}
