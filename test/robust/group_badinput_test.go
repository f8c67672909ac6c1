package robust

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// groupKeys are the consumer-group APIs the group fuzz draws from.
var groupKeys = []kmsg.Key{
	kmsg.FindCoordinator, kmsg.JoinGroup, kmsg.SyncGroup, kmsg.Heartbeat, kmsg.LeaveGroup,
	kmsg.OffsetCommit, kmsg.OffsetFetch, kmsg.DescribeGroups, kmsg.ListGroups, kmsg.DeleteGroups,
	kmsg.OffsetDelete,
}

const groupFuzzBudget = 8 * time.Second

// TestBadGroupInputKeepsGroupHealthy aims hostile group requests at a live
// consumer group: random, mutated and well-formed-but-random requests of
// every advertised group API (TestBadInputKeepsBrokerHealthy's cases, drawn
// from the group keys only), whose strings come from a pool holding the
// live group's and topic's names and protocol names, so that many reach
// the live group's state machine; with group.min.session.timeout.ms=10 the
// fuzz's own JoinGroups (session timeouts of at most 100 ms) can be accepted,
// may join the live group or new ones, and then expire. Meanwhile two franz-go
// consumers of the live group consume. Every fuzz connection must be
// answered or closed within connDeadline; afterwards the broker is ready,
// no handler panicked, and the live group's consumers receive every record
// of a fresh batch produced to each partition.
func TestBadGroupInputKeepsGroupHealthy(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	b := startInProcess(t, map[string]string{
		"group.initial.rebalance.delay.ms": "0",
		"group.min.session.timeout.ms":     "10",
		"offsets.topic.replication.factor": "1",
		"offsets.topic.num.partitions":     "3",
	})
	ctx := testContext(t, 120*time.Second)
	cl := newClient(t, b.addr)
	const topic, group, parts = "gh", "live", 4
	createGroupTopic(ctx, t, cl, topic, parts)
	createGroupTopic(ctx, t, cl, healthTopic, 2)

	// The live group: two consumers collecting the values they receive.
	var mu sync.Mutex
	got := map[string]bool{}
	var wg sync.WaitGroup
	cctx, cancel := context.WithCancel(context.Background())
	for i := range 2 {
		c := newClient(t, b.addr, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.ClientID(fmt.Sprintf("live-%d", i)),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.SessionTimeout(6*time.Second),
			kgo.HeartbeatInterval(200*time.Millisecond), kgo.RebalanceTimeout(5*time.Second), kgo.FetchMaxWait(200*time.Millisecond))
		wg.Go(func() {
			for cctx.Err() == nil {
				fs := c.PollFetches(cctx)
				fs.EachRecord(func(r *kgo.Record) {
					mu.Lock()
					got[string(r.Value)] = true
					mu.Unlock()
				})
			}
		})
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	waitGroup(ctx, t, kadm.NewClient(cl), group, 2)

	all := advertisedVersions(t, b.addr)
	versions := map[int16][2]int16{}
	for _, k := range groupKeys {
		v, ok := all[k.Int16()]
		if !ok {
			t.Fatalf("%s is not advertised", kmsg.NameForKey(k.Int16()))
		}
		versions[k.Int16()] = v
	}
	pool := []string{topic, group, group, "fuzz-group", "consumer", "range", "cooperative-sticky", healthTopic}
	h := newHealth(t, b.addr)
	var done atomic.Int64
	stats := newFuzzStats()
	deadline := time.Now().Add(groupFuzzBudget)
	var fw sync.WaitGroup
	for w := range badInputWorkers {
		g := &reqRand{r: rand.New(rand.NewPCG(seed, uint64(w))), topics: pool}
		fw.Go(func() {
			for time.Now().Before(deadline) {
				c := newFuzzCase(g, versions)
				for _, ok := versions[c.key]; !ok; _, ok = versions[c.key] {
					// newFuzzCase sometimes draws any key; a valid
					// DeleteTopics of the live topic is not group input.
					c = newFuzzCase(g, versions)
				}
				outcome, err := c.run(b.addr)
				stats.add(c, outcome)
				if err != nil {
					t.Errorf("%s: %v\nsent %d bytes: %x", c, err, len(c.stream), c.stream[:min(len(c.stream), 256)])
				}
				done.Add(1)
			}
		})
	}
	fw.Wait()
	t.Logf("%d hostile group connections in %v", done.Load(), groupFuzzBudget)
	stats.log(t)

	if code := readyz(&http.Client{Timeout: 5 * time.Second}, b.adminAddr()); code != http.StatusOK {
		t.Errorf("/readyz: %d after the bad input", code)
	}
	h.roundTrip(t)
	if panics := b.counter(t, "samsa_server_connections_closed_on_error_total", map[string]string{"reason": "panic"}); panics > 0 {
		t.Errorf("%v request handlers panicked", panics)
	}

	// How deep the fuzz got: groups it created, and the live group's
	// generation (each fuzz member that joined it forced a rebalance).
	adm := kadm.NewClient(cl)
	if lg, err := adm.ListGroups(ctx); err == nil {
		t.Logf("groups after the fuzz: %v", lg.Groups())
	}
	if dg, err := adm.DescribeGroups(ctx, group); err == nil {
		t.Logf("live group after the fuzz: state %s, %d members", dg[group].State, len(dg[group].Members))
	}

	// The live group still works: a fresh batch reaches its consumers.
	prod := newClient(t, b.addr, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	var want []string
	var rs []*kgo.Record
	for p := range int32(parts) {
		for i := range 5 {
			v := fmt.Sprintf("after-%d-%d", p, i)
			want = append(want, v)
			rs = append(rs, &kgo.Record{Partition: p, Value: []byte(v)})
		}
	}
	if err := prod.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatalf("produce after the fuzz: %v", err)
	}
	for {
		mu.Lock()
		missing := 0
		for _, v := range want {
			if !got[v] {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		if ctx.Err() != nil {
			dg, err := kadm.NewClient(cl).DescribeGroups(context.Background(), group)
			t.Fatalf("the live group's consumers never received %d of %d records after the fuzz; group: %+v %v", missing, len(want), dg[group], err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, l := range b.logs.all() {
		if strings.Contains(l, "panicked") {
			t.Errorf("broker: %s", l)
		}
	}
}
