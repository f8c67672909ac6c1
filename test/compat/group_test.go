//go:build compat

package compat

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestGroupRebalance, per client (franz-go, sarama, kafka-go,
// confluent-kafka-python, kafkajs, kcat -G), all clients at once on the
// shared broker:
//
//  1. three members of one group on a 6-partition topic settle with
//     disjoint assignments that together cover every partition (each
//     member's own view equal to the broker's DescribeGroups view), and
//     records produced to every partition are received by the partition's
//     owner only; a second group of one member on the same topic receives
//     every record too;
//  2. a fourth member joins: after the rebalance every partition has
//     exactly one owner among the four, and new records reach the owners;
//  3. a member leaves cleanly (the client's close, which sends LeaveGroup):
//     the same with the three left;
//  4. a member is killed (a child process SIGKILLed; a Go client's
//     connections cut so that it cannot send a LeaveGroup): once its
//     session times out, the same with the two left.
func TestGroupRebalance(t *testing.T) {
	for _, gc := range append(groupClients, kcatGroupClient) {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			watchBrokerLog(t)
			const parts = 6
			topic, group, other := "grp-"+gc.name, "g-"+gc.name, "g2-"+gc.name
			createTopicAt(t, brokerAddr, topic, parts)
			ms := startMembers(t, gc, brokerAddr, group, topic, gc.name+"-a", gc.name+"-b", gc.name+"-c")
			solo := startMembers(t, gc, brokerAddr, other, topic, gc.name+"-solo")
			own := waitOwnership(t, group, topic, parts, ms)
			soloOwn := waitOwnership(t, other, topic, parts, solo)
			t.Logf("3 members: %v", own)
			want := produceTagged(t, brokerAddr, topic, parts, 3, "first")
			waitDelivered(t, ms, own, want)
			waitDelivered(t, solo, soloOwn, want)

			ms = append(ms, startMembers(t, gc, brokerAddr, group, topic, gc.name+"-d")...)
			own = waitOwnership(t, group, topic, parts, ms)
			t.Logf("after a join: %v", own)
			waitDelivered(t, ms, own, produceTagged(t, brokerAddr, topic, parts, 1, "join"))

			ms[0].close(t)
			ms = ms[1:]
			own = waitOwnership(t, group, topic, parts, ms)
			t.Logf("after a clean leave: %v", own)
			waitDelivered(t, ms, own, produceTagged(t, brokerAddr, topic, parts, 1, "leave"))

			ms[0].kill()
			ms = ms[1:]
			own = waitOwnership(t, group, topic, parts, ms)
			t.Logf("after a member was killed: %v", own)
			waitDelivered(t, ms, own, produceTagged(t, brokerAddr, topic, parts, 1, "kill"))
			for _, m := range append(ms, solo...) {
				m.close(t)
			}
		})
	}
}

// TestGroupSeedExample is the example, per client: topic1 with
// three partitions, one record each keyed 1, 2 and 3 produced to
// partitions 0, 1 and 2; group1 with one consumer receives all three,
// group2 with three consumers receives them split one each. (franz-go uses
// the names topic1, group1 and group2; the other clients suffix them.)
func TestGroupSeedExample(t *testing.T) {
	for _, gc := range append(groupClients, kcatGroupClient) {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			watchBrokerLog(t)
			suffix := ""
			if gc.name != "franz-go" {
				suffix = "-" + gc.name
			}
			topic, group1, group2 := "topic1"+suffix, "group1"+suffix, "group2"+suffix
			createTopicAt(t, brokerAddr, topic, 3)
			g1 := startMembers(t, gc, brokerAddr, group1, topic, "seed1"+suffix)
			g2 := startMembers(t, gc, brokerAddr, group2, topic, "seed2a"+suffix, "seed2b"+suffix, "seed2c"+suffix)
			own1 := waitOwnership(t, group1, topic, 3, g1)
			own2 := waitOwnership(t, group2, topic, 3, g2)
			cl := newFranz(t, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DefaultProduceTopic(topic), kgo.ProducerBatchCompression(kgo.NoCompression()))
			want := map[string]tp{}
			var rs []*kgo.Record
			for p := int32(0); p < 3; p++ {
				k, v := fmt.Sprint(p+1), fmt.Sprintf("value-%d", p+1)
				want[v] = tp{topic, p}
				rs = append(rs, &kgo.Record{Partition: p, Key: []byte(k), Value: []byte(v)})
			}
			if err := cl.ProduceSync(stepCtx(t), rs...).FirstErr(); err != nil {
				t.Fatal(err)
			}
			waitDelivered(t, g1, own1, want)
			waitDelivered(t, g2, own2, want)
			if keys := seedKeys(g1[0]); !slices.Equal(keys, []string{"1", "2", "3"}) {
				t.Errorf("group1's consumer received keys %v, want 1, 2, 3", keys)
			}
			var all []string
			for _, m := range g2 {
				keys := seedKeys(m)
				if len(keys) != 1 {
					t.Errorf("group2's %s received keys %v, want exactly one", m.name, keys)
				}
				all = append(all, keys...)
			}
			sort.Strings(all)
			if !slices.Equal(all, []string{"1", "2", "3"}) {
				t.Errorf("group2's consumers received keys %v together, want 1, 2, 3 split one each", all)
			}
			for _, m := range append(g1, g2...) {
				m.close(t)
			}
		})
	}
}

func seedKeys(m *member) []string {
	var keys []string
	for _, r := range m.records() {
		keys = append(keys, r.Key)
	}
	sort.Strings(keys)
	return keys
}

// TestGroupCommitsSurviveRestart, per client, each on a broker process of
// its own: a consumer of a group reads a 3-partition topic to the end,
// committing each offset synchronously; once the client has seen the last
// commit acknowledged, it leaves, and the broker is stopped, cleanly
// (SIGTERM) after round 0 and with SIGKILL after round 1, then started on
// the same data dir. After each restart the broker's OffsetFetch answers
// the committed offsets, and a new consumer of the group, after more
// records were produced, resumes exactly there: it receives every record
// from the committed offset to the end (nothing skipped) and nothing before
// it (nothing committed re-delivered), each once.
func TestGroupCommitsSurviveRestart(t *testing.T) {
	for _, gc := range groupClients {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			rb := newRestartable(t)
			const parts = 3
			topic, group := "resume", "resume-"+gc.name
			createTopicAt(t, rb.addr(), topic, parts)
			start := map[tp]int64{}
			for round := range 3 {
				tag := fmt.Sprintf("round%d", round)
				want := produceTagged(t, rb.addr(), topic, parts, 4, tag)
				end := map[tp]int64{}
				for _, x := range want {
					end[x]++
				}
				for x, n := range end {
					end[x] = start[x] + n
				}
				m := startMembers(t, gc, rb.addr(), group, topic, fmt.Sprintf("%s-resume-%d", gc.name, round))[0]
				waitCommittedTo(t, m, end)
				checkResumed(t, m, start, end)
				committed := fetchCommitted(t, rb.addr(), group, topic, parts)
				for x, o := range end {
					if committed[x] != o {
						t.Errorf("round %d: OffsetFetch %s = %d, the client had the commit of %d acknowledged", round, x, committed[x], o)
					}
				}
				m.close(t)
				if round == 2 {
					break
				}
				kill := round == 1
				rb.stop(kill)
				rb.start()
				after := fetchCommitted(t, rb.addr(), group, topic, parts)
				for x, o := range end {
					if after[x] != o {
						t.Errorf("after a restart (SIGKILL: %v): OffsetFetch %s = %d, committed before: %d", kill, x, after[x], o)
					}
				}
				start = end
			}
		})
	}
}

// TestGroupSurvivesBrokerKill, per client, each on a broker process of its
// own: two members of a group own a 4-partition topic and have every record
// committed (acknowledged to the clients); the broker is killed with
// SIGKILL and restarted on the same data dir while the members keep
// running. OffsetFetch answers the committed offsets, the group settles
// again with both members (each client reconnects and rejoins on its own),
// new records reach their owners, and no record whose offset was committed
// before the kill is delivered again.
func TestGroupSurvivesBrokerKill(t *testing.T) {
	for _, gc := range groupClients {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			rb := newRestartable(t)
			const parts = 4
			topic, group := "survive", "survive-"+gc.name
			createTopicAt(t, rb.addr(), topic, parts)
			ms := startMembers(t, gc, rb.addr(), group, topic, gc.name+"-s1", gc.name+"-s2")
			own := waitOwnershipAt(t, rb.addr(), group, topic, parts, ms)
			before := produceTagged(t, rb.addr(), topic, parts, 3, "before")
			waitDelivered(t, ms, own, before)
			end := map[tp]int64{}
			for _, x := range before {
				end[x]++
			}
			waitGroupCommitted(t, ms, end)
			rb.stop(true)
			rb.start()
			after := fetchCommitted(t, rb.addr(), group, topic, parts)
			for x, o := range end {
				if after[x] != o {
					t.Errorf("after SIGKILL and restart: OffsetFetch %s = %d, the clients had commits of %d acknowledged", x, after[x], o)
				}
			}
			own = waitOwnershipAt(t, rb.addr(), group, topic, parts, ms)
			t.Logf("after the restart: %v", own)
			waitDelivered(t, ms, own, produceTagged(t, rb.addr(), topic, parts, 2, "after"))
			count := map[string]int{}
			for _, m := range ms {
				for _, r := range m.records() {
					if _, ok := before[r.Value]; ok {
						count[r.Value]++
					}
				}
			}
			for v, n := range count {
				if n > 1 {
					t.Errorf("%q, committed before the kill, was delivered %d times", v, n)
				}
			}
			for _, m := range ms {
				m.close(t)
			}
		})
	}
}

// waitGroupCommitted waits until the members together had commits of end
// acknowledged on every partition.
func waitGroupCommitted(t *testing.T, ms []*member, end map[tp]int64) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	got := map[tp]int64{}
	for time.Now().Before(deadline) {
		got = map[tp]int64{}
		for _, m := range ms {
			m.mu.Lock()
			for x, o := range m.committed {
				got[x] = max(got[x], o)
			}
			m.mu.Unlock()
		}
		ok := true
		for x, o := range end {
			ok = ok && got[x] >= o
		}
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("commits acknowledged %v, want %v", got, end)
}

// waitCommittedTo waits until m received records up to end and had commits
// of end acknowledged on every partition.
func waitCommittedTo(t *testing.T, m *member, end map[tp]int64) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		ok := true
		for x, o := range end {
			ok = ok && m.committed[x] >= o
		}
		m.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t.Fatalf("%s: commits acknowledged %v, want %v (received %d records; errors %v)", m.name, m.committed, end, len(m.recs), m.errs)
}

// checkResumed checks that m received exactly the offsets [start, end) of
// every partition, each once.
func checkResumed(t *testing.T, m *member, start, end map[tp]int64) {
	t.Helper()
	got := map[tp][]int64{}
	for _, r := range m.records() {
		got[r.tp] = append(got[r.tp], r.Offset)
	}
	for x, e := range end {
		var want []int64
		for o := start[x]; o < e; o++ {
			want = append(want, o)
		}
		g := got[x]
		slices.Sort(g)
		if !slices.Equal(g, want) {
			t.Errorf("%s: %s: received offsets %v, want %d..%d once each (committed %d before)", m.name, x, g, start[x], e-1, start[x])
		}
	}
}

// fetchCommitted is the group's committed offsets (OffsetFetch).
func fetchCommitted(t *testing.T, addr, group, topic string, parts int32) map[tp]int64 {
	t.Helper()
	adm := kadm.NewClient(newFranzAt(t, addr))
	res, err := adm.FetchOffsets(stepCtx(t), group)
	if err != nil {
		t.Fatalf("OffsetFetch %s: %v", group, err)
	}
	out := map[tp]int64{}
	for p := range parts {
		if o, ok := res.Lookup(topic, p); ok {
			if o.Err != nil {
				t.Fatalf("OffsetFetch %s %s/%d: %v", group, topic, p, o.Err)
			}
			out[tp{topic, p}] = o.At
		}
	}
	return out
}

// TestGroupCooperativeSticky: franz-go's cooperative-sticky balancer (KIP-429)
// moves only what must move. Two members own three partitions each of a
// 6-partition topic; a third joins. After the incremental rebalance each of
// the two old members owns a subset (two) of its old partitions, the
// partitions its client reported revoked are exactly those it lost, and the
// new member owns exactly the moved ones.
func TestGroupCooperativeSticky(t *testing.T) {
	t.Parallel()
	watchBrokerLog(t)
	gc := groupClient{name: "franz-go cooperative-sticky", start: func(t *testing.T, c memberConfig) (*member, error) {
		return startFranzMemberOpts(t, c, kgo.Balancers(kgo.CooperativeStickyBalancer()))
	}}
	const parts = 6
	topic, group := "coop", "coop"
	createTopicAt(t, brokerAddr, topic, parts)
	ms := startMembers(t, gc, brokerAddr, group, topic, "coop-a", "coop-b")
	before := waitOwnership(t, group, topic, parts, ms)
	revoked0 := map[string]int{}
	for _, m := range ms {
		revoked0[m.name] = m.numRevoked()
	}
	ms = append(ms, startMembers(t, gc, brokerAddr, group, topic, "coop-c")...)
	after := waitOwnership(t, group, topic, parts, ms)
	t.Logf("before %v, after %v", before, after)
	var moved []tp
	for _, m := range ms[:2] {
		old, now := before[m.name], after[m.name]
		var lost []tp
		for _, x := range old {
			if !slices.Contains(now, x) {
				lost = append(lost, x)
			}
		}
		for _, x := range now {
			if !slices.Contains(old, x) {
				t.Errorf("%s gained %s in the rebalance (had %v, has %v): a sticky balancer only takes away", m.name, x, old, now)
			}
		}
		if len(now) != 2 {
			t.Errorf("%s owns %v after the join, want 2 of its 3", m.name, now)
		}
		rev := m.revokedSince(revoked0[m.name])
		sortTPs(rev)
		if !slices.Equal(rev, lost) {
			t.Errorf("%s: the client revoked %v, but the partitions that moved away are %v", m.name, rev, lost)
		}
		moved = append(moved, lost...)
	}
	sortTPs(moved)
	if !slices.Equal(after["coop-c"], moved) {
		t.Errorf("the new member owns %v, the moved partitions are %v", after["coop-c"], moved)
	}
	adm := kadm.NewClient(newFranz(t))
	dg, err := adm.DescribeGroups(stepCtx(t), group)
	if err != nil || dg[group].Protocol != "cooperative-sticky" {
		t.Errorf("DescribeGroups: protocol %q (err %v), want cooperative-sticky", dg[group].Protocol, err)
	}
	for _, m := range ms {
		m.close(t)
	}
}

// TestGroupStaticMembership: franz-go members with instance ids (KIP-345,
// group.instance.id), eager range balancer. Two static members own a
// 4-partition topic; one is closed (a static member sends no LeaveGroup)
// and a new client with the same instance id starts. It gets the same
// partitions back without a rebalance: the other member's generation is
// unchanged and its client revoked nothing; DescribeGroups shows both
// instance ids; new records reach the owners. (Kafka rebalances for a
// returning static member only if the group's selected protocol would
// change, whatever its protocol metadata; franz-go's metadata differs after
// a restart when the member had joined an existing group: it carries the
// last generation the client saw. test/robust TestGroupStaticMemberRejoin
// checks the same with raw requests.)
func TestGroupStaticMembership(t *testing.T) {
	t.Parallel()
	watchBrokerLog(t)
	gc := groupClient{name: "franz-go static", start: func(t *testing.T, c memberConfig) (*member, error) {
		// The session only has to outlast the restart of one client in
		// this process.
		return startFranzMemberOpts(t, c, kgo.InstanceID(c.Name), kgo.SessionTimeout(30*time.Second), kgo.Balancers(kgo.RangeBalancer()))
	}}
	const parts = 4
	topic, group := "static", "static"
	createTopicAt(t, brokerAddr, topic, parts)
	// static-a first, alone, then static-b: static-a rejoins for b, so
	// its last join carried a generation (deterministically the case the
	// parenthesis above describes).
	ms := startMembers(t, gc, brokerAddr, group, topic, "static-a")
	waitOwnership(t, group, topic, parts, ms)
	ms = append(ms, startMembers(t, gc, brokerAddr, group, topic, "static-b")...)
	before := waitOwnership(t, group, topic, parts, ms)
	_, genB := ms[1].groupMeta()
	revokedB := ms[1].numRevoked()
	ms[0].close(t)
	ms[0] = startMembers(t, gc, brokerAddr, group, topic, "static-a")[0]
	after := waitOwnership(t, group, topic, parts, ms)
	for _, n := range []string{"static-a", "static-b"} {
		if !slices.Equal(before[n], after[n]) {
			t.Errorf("%s owned %v before the restart of static-a and %v after: a static member's return must not move partitions", n, before[n], after[n])
		}
	}
	if _, g := ms[1].groupMeta(); g != genB {
		t.Errorf("static-b's generation went from %d to %d: static-a's return caused a rebalance", genB, g)
	}
	if r := ms[1].revokedSince(revokedB); len(r) > 0 {
		t.Errorf("static-b's client revoked %v during static-a's restart", r)
	}
	dg, err := kadm.NewClient(newFranz(t)).DescribeGroups(stepCtx(t), group)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range dg[group].Members {
		if m.InstanceID != nil {
			ids = append(ids, *m.InstanceID)
		}
	}
	sort.Strings(ids)
	if !slices.Equal(ids, []string{"static-a", "static-b"}) {
		t.Errorf("DescribeGroups instance ids %v, want static-a, static-b", ids)
	}
	waitDelivered(t, ms, after, produceTagged(t, brokerAddr, topic, parts, 1, "static"))
	// A static member's close does not leave: once both clients are
	// closed, remove them with a LeaveGroup by instance id, as an operator
	// would; the group is then Empty.
	for _, m := range ms {
		m.close(t)
	}
	adm := kadm.NewClient(newFranz(t))
	lr, err := adm.LeaveGroup(stepCtx(t), kadm.LeaveGroup(group).InstanceIDs("static-a", "static-b"))
	if err == nil {
		err = lr.Error()
	}
	if err != nil {
		t.Errorf("LeaveGroup by instance id: %v", err)
	}
	dg, err = adm.DescribeGroups(stepCtx(t), group)
	if err != nil || dg[group].State != "Empty" || len(dg[group].Members) != 0 {
		t.Errorf("after LeaveGroup by instance id: state %s with %d members (err %v), want Empty", dg[group].State, len(dg[group].Members), err)
	}
}

// TestGroupPartitionsAdded (franz-go): two members own a 4-partition topic;
// CreatePartitions grows it to 8. The group leader's client notices the new
// partitions in its metadata (refreshed every 500 ms here) and rebalances:
// the group settles with all 8 partitions owned once, and records produced
// to the new partitions reach their owners.
func TestGroupPartitionsAdded(t *testing.T) {
	t.Parallel()
	watchBrokerLog(t)
	gc := groupClient{name: "franz-go metadata", start: func(t *testing.T, c memberConfig) (*member, error) {
		return startFranzMemberOpts(t, c, kgo.MetadataMaxAge(500*time.Millisecond), kgo.MetadataMinAge(100*time.Millisecond))
	}}
	topic, group := "grow", "grow"
	createTopicAt(t, brokerAddr, topic, 4)
	ms := startMembers(t, gc, brokerAddr, group, topic, "grow-a", "grow-b")
	waitOwnership(t, group, topic, 4, ms)
	adm := kadm.NewClient(newFranz(t))
	res, err := adm.CreatePartitions(stepCtx(t), 4, topic)
	if err == nil {
		err = res.Error()
	}
	if err != nil {
		t.Fatalf("CreatePartitions: %v", err)
	}
	own := waitOwnership(t, group, topic, 8, ms)
	t.Logf("after growing to 8 partitions: %v", own)
	waitDelivered(t, ms, own, produceTagged(t, brokerAddr, topic, 8, 1, "grown"))
	for _, m := range ms {
		m.close(t)
	}
}

// TestGroupMixedClients: one group whose members are four different clients
// (franz-go with its range balancer, sarama, kafka-go, confluent-kafka-python;
// kafkajs's only built-in assigner is its own round robin, which no other
// client offers). The coordinator must choose the protocol every member
// supports (range: librdkafka also offers roundrobin); franz-go leads and
// assigns for all; the group settles with 8 partitions owned once, each
// client's view matching the broker's, and records reach the owners.
func TestGroupMixedClients(t *testing.T) {
	t.Parallel()
	watchBrokerLog(t)
	topic, group := "mixed", "mixed"
	createTopicAt(t, brokerAddr, topic, 8)
	franzRange := groupClient{name: "franz-go-range", start: func(t *testing.T, c memberConfig) (*member, error) {
		return startFranzMemberOpts(t, c, kgo.Balancers(kgo.RangeBalancer()))
	}}
	// franz-go joins first and so leads (a group keeps its leader while
	// it rejoins): kafka-go's Reader, as leader, decodes only version 0 of
	// ConsumerMemberMetadata and fails on the later versions the other
	// clients send ("unable to read metadata for member"), against Kafka
	// as well.
	ms := startMembers(t, franzRange, brokerAddr, group, topic, "mixed-"+franzRange.name)
	waitOwnership(t, group, topic, 8, ms)
	for _, gc := range []groupClient{groupClients[1], groupClients[2], groupClients[3]} {
		ms = append(ms, startMembers(t, gc, brokerAddr, group, topic, "mixed-"+gc.name)...)
	}
	own := waitOwnership(t, group, topic, 8, ms)
	t.Logf("mixed group: %v", own)
	dg, err := kadm.NewClient(newFranz(t)).DescribeGroups(stepCtx(t), group)
	if err != nil || dg[group].Protocol != "range" {
		t.Errorf("DescribeGroups: protocol %q (err %v), want range", dg[group].Protocol, err)
	}
	waitDelivered(t, ms, own, produceTagged(t, brokerAddr, topic, 8, 2, "mixed"))
	ms[1].close(t)
	ms = append(ms[:1], ms[2:]...)
	own = waitOwnership(t, group, topic, 8, ms)
	t.Logf("after sarama left: %v", own)
	waitDelivered(t, ms, own, produceTagged(t, brokerAddr, topic, 8, 1, "mixed-left"))
	for _, m := range ms {
		m.close(t)
	}
}
