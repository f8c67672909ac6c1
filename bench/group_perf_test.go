//go:build perf

package bench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/samsa-io/samsa/internal/broker"
	"github.com/samsa-io/samsa/internal/config"
)

// The consumer-group workloads (make bench-group), each against an
// in-process Samsa broker and an in-process kfake cluster in the same run:
//
//   - rebalance: franz-go consumers (default cooperative-sticky balancer,
//     heartbeat interval 100 ms) on a 100-partition topic, Samsa with
//     group.initial.rebalance.delay.ms=0. "join": a 10th member joins a
//     stable 9-member group; the time runs from its client's start to the
//     moment every member's client holds its final assignment (all ten own
//     partitions, every partition owned once), as the clients' own
//     OnPartitionsAssigned/Revoked callbacks report it. "cold": ten members
//     start together; from the last client's start to the same condition.
//     Before both, one FindCoordinator is answered (on Samsa the first one
//     creates __consumer_offsets; that time is reported on its own).
//   - commits: one group with a franz-go member (its member id and
//     generation); commitWorkers goroutines, each with its own client,
//     send raw OffsetCommit requests of commitPartitions partitions each,
//     back to back, for commitDuration. Reported: requests/s and committed
//     partition-offsets/s (= requests/s × commitPartitions).
const (
	groupPartitions  = 100
	groupMembers     = 10
	groupRounds      = 5
	groupHeartbeat   = 100 * time.Millisecond
	commitWorkers    = 8
	commitPartitions = 5
	commitDuration   = 3 * time.Second
)

func startSamsaGroups(t *testing.T) target {
	dir := t.TempDir()
	cfg, err := config.NewBroker(map[string]string{
		"node.id": "1", "process.roles": "broker,controller",
		"listeners": "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0", "controller.listener.names": "CONTROLLER",
		"log.dirs": dir, "samsa.admin.listener": "",
		"group.initial.rebalance.delay.ms": "0", "offsets.topic.replication.factor": "1",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := broker.New(cfg, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return target{name: "samsa", addr: b.Addr("PLAINTEXT").String(), close: func() { b.Shutdown(context.Background()) }}
}

func startGroupTarget(t *testing.T, name string) target {
	if name == "samsa" {
		return startSamsaGroups(t)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	return target{name: "kfake", addr: c.ListenAddrs()[0], close: c.Close}
}

func createTopicN(t *testing.T, addr, name string, n int32) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	res, err := kadm.NewClient(cl).CreateTopics(context.Background(), n, 1, nil, name)
	if err != nil || res[name].Err != nil {
		t.Fatalf("create topic: %v %v", err, res[name].Err)
	}
}

// assignWatch follows the clients' own view of a group's assignment and
// notes when it first becomes complete.
type assignWatch struct {
	mu      sync.Mutex
	owned   map[int]map[int32]bool // member index → partitions
	members int
	doneAt  time.Time
	done    chan struct{}
}

func newAssignWatch(members int) *assignWatch {
	return &assignWatch{owned: map[int]map[int32]bool{}, members: members, done: make(chan struct{})}
}

func (w *assignWatch) update(i int, a map[string][]int32, add bool) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.owned[i] == nil {
		w.owned[i] = map[int32]bool{}
	}
	for _, ps := range a {
		for _, p := range ps {
			if add {
				w.owned[i][p] = true
			} else {
				delete(w.owned[i], p)
			}
		}
	}
	if !w.doneAt.IsZero() || len(w.owned) < w.members {
		return
	}
	seen := map[int32]bool{}
	for _, ps := range w.owned {
		if len(ps) == 0 {
			return
		}
		for p := range ps {
			if seen[p] {
				return
			}
			seen[p] = true
		}
	}
	if len(seen) == groupPartitions {
		w.doneAt = now
		close(w.done)
	}
}

// reset starts a new measurement with members members, keeping what the
// existing members own.
func (w *assignWatch) reset(members int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.members, w.doneAt, w.done = members, time.Time{}, make(chan struct{})
}

func (w *assignWatch) wait(t *testing.T) time.Time {
	w.mu.Lock()
	done := w.done
	w.mu.Unlock()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		w.mu.Lock()
		defer w.mu.Unlock()
		t.Fatalf("the group never settled: %v", w.owned)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.doneAt
}

func groupMember(t *testing.T, addr, group, topic string, i int, w *assignWatch) *kgo.Client {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.HeartbeatInterval(groupHeartbeat), kgo.SessionTimeout(10*time.Second),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { w.update(i, a, true) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { w.update(i, a, false) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { w.update(i, a, false) }),
	)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// coordinatorReady sends FindCoordinator for a group until it is answered
// without error and returns how long that took: on a fresh Samsa broker the
// first one creates __consumer_offsets (offsets.topic.num.partitions = 50
// by default), a one-time cost kept out of the rebalance figures.
func coordinatorReady(t *testing.T, addr string) time.Duration {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	start := time.Now()
	for time.Since(start) < 60*time.Second {
		req := kmsg.NewPtrFindCoordinatorRequest()
		req.CoordinatorKey = "warm-up"
		req.CoordinatorKeys = []string{"warm-up"}
		resp, err := req.RequestWith(context.Background(), cl)
		if err == nil {
			code := resp.ErrorCode
			if len(resp.Coordinators) > 0 {
				code = resp.Coordinators[0].ErrorCode
			}
			if code == 0 {
				return time.Since(start)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("FindCoordinator never answered without an error")
	return 0
}

// rebalanceRound measures one cold start and one join on a fresh topic.
func rebalanceRound(t *testing.T, addr string, round int) (cold, join time.Duration) {
	topic := fmt.Sprintf("rebalance-%d", round)
	createTopicN(t, addr, topic, groupPartitions)

	// cold: ten members at once.
	w := newAssignWatch(groupMembers)
	var cls []*kgo.Client
	var last time.Time
	for i := range groupMembers {
		last = time.Now()
		cls = append(cls, groupMember(t, addr, topic+"-cold", topic, i, w))
	}
	cold = w.wait(t).Sub(last)
	closeAll(cls)

	// join: nine settle, then the tenth joins.
	w = newAssignWatch(groupMembers - 1)
	cls = nil
	for i := range groupMembers - 1 {
		cls = append(cls, groupMember(t, addr, topic+"-join", topic, i, w))
	}
	w.wait(t)
	w.reset(groupMembers)
	start := time.Now()
	cls = append(cls, groupMember(t, addr, topic+"-join", topic, groupMembers-1, w))
	join = w.wait(t).Sub(start)
	closeAll(cls)
	return cold, join
}

func closeAll(cls []*kgo.Client) {
	var wg sync.WaitGroup
	for _, cl := range cls {
		wg.Go(cl.Close)
	}
	wg.Wait()
}

// commitRun measures commit throughput: requests/s and partition-offsets/s.
func commitRun(t *testing.T, addr string, round int) (reqs, offsets float64) {
	topic := fmt.Sprintf("commits-%d", round)
	group := topic
	createTopicN(t, addr, topic, commitWorkers*commitPartitions)
	w := newAssignWatch(1)
	member, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.DisableAutoCommit(), kgo.HeartbeatInterval(groupHeartbeat),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { w.update(0, a, true) }))
	if err != nil {
		t.Fatal(err)
	}
	defer member.Close()
	// The member has its assignment once OnPartitionsAssigned ran; only
	// then are its id and generation final.
	waitAssigned(t, w, commitWorkers*commitPartitions)
	memberID, gen := member.GroupMetadata()

	var (
		nreq   atomic.Int64
		failed atomic.Int64
		wg     sync.WaitGroup
		first  atomic.Value
	)
	ctx, cancel := context.WithTimeout(context.Background(), commitDuration)
	defer cancel()
	start := time.Now()
	for wk := range commitWorkers {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.MaxVersions(kversion.V3_6_0()))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		wg.Go(func() {
			for off := int64(1); ctx.Err() == nil; off++ {
				req := kmsg.NewPtrOffsetCommitRequest()
				req.Group, req.Generation, req.MemberID = group, gen, memberID
				rt := kmsg.NewOffsetCommitRequestTopic()
				rt.Topic = topic
				for p := range commitPartitions {
					rp := kmsg.NewOffsetCommitRequestTopicPartition()
					rp.Partition, rp.Offset, rp.LeaderEpoch = int32(wk*commitPartitions+p), off, -1
					rt.Partitions = append(rt.Partitions, rp)
				}
				req.Topics = append(req.Topics, rt)
				resp, err := req.RequestWith(ctx, cl)
				if ctx.Err() != nil {
					return
				}
				if err == nil {
					for _, rt := range resp.Topics {
						for _, rp := range rt.Partitions {
							if e := kerr.ErrorForCode(rp.ErrorCode); e != nil && err == nil {
								err = e
							}
						}
					}
				}
				if err != nil {
					failed.Add(1)
					first.CompareAndSwap(nil, err.Error())
					continue
				}
				nreq.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		t.Fatalf("%d commits failed, first: %v", f, first.Load())
	}
	reqs = float64(nreq.Load()) / elapsed.Seconds()
	return reqs, reqs * commitPartitions
}

func waitAssigned(t *testing.T, w *assignWatch, n int) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		got := len(w.owned[0])
		w.mu.Unlock()
		if got == n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the committing member never got its assignment")
}

func medianDur(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestGroupVsKfake prints the group workloads' medians for Samsa and kfake,
// interleaved over rounds, and their ratios.
func TestGroupVsKfake(t *testing.T) {
	cold, join, warm := map[string][]time.Duration{}, map[string][]time.Duration{}, map[string][]time.Duration{}
	reqs, offs := map[string][]float64{}, map[string][]float64{}
	for round := range groupRounds {
		order := []string{"samsa", "kfake"}
		if round%2 == 1 {
			order = []string{"kfake", "samsa"}
		}
		for _, name := range order {
			tg := startGroupTarget(t, name)
			warm[name] = append(warm[name], coordinatorReady(t, tg.addr))
			c, j := rebalanceRound(t, tg.addr, round)
			r, o := commitRun(t, tg.addr, round)
			cold[name] = append(cold[name], c)
			join[name] = append(join[name], j)
			reqs[name] = append(reqs[name], r)
			offs[name] = append(offs[name], o)
			t.Logf("round %d %s: first FindCoordinator answered after %v, cold start %v, join %v, commits %.0f req/s (%.0f partition-offsets/s)", round, name, warm[name][len(warm[name])-1].Round(time.Millisecond), c.Round(time.Millisecond), j.Round(time.Millisecond), r, o)
			tg.close()
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nConsumer groups, %s, medians of %d rounds\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), groupRounds)
	fmt.Fprintf(&b, "| measurement | Samsa | kfake | ratio (kfake/Samsa for times, Samsa/kfake for rates) | target |\n|---|---|---|---|---|\n")
	sj, kj := medianDur(join["samsa"]), medianDur(join["kfake"])
	sc, kc := medianDur(cold["samsa"]), medianDur(cold["kfake"])
	fmt.Fprintf(&b, "| rebalance: a 10th member joins 9 (100 partitions), until all 10 hold their assignment | %v | %v | %.2f | <= 1.5 s |\n", sj.Round(time.Millisecond), kj.Round(time.Millisecond), kj.Seconds()/sj.Seconds())
	fmt.Fprintf(&b, "| rebalance: 10 members start together (100 partitions), from the last start | %v | %v | %.2f | <= 1.5 s |\n", sc.Round(time.Millisecond), kc.Round(time.Millisecond), kc.Seconds()/sc.Seconds())
	sw, kw := medianDur(warm["samsa"]), medianDur(warm["kfake"])
	fmt.Fprintf(&b, "| fresh broker: first FindCoordinator answered without error (creates __consumer_offsets) | %v | %v | | |\n", sw.Round(time.Millisecond), kw.Round(time.Millisecond))
	sr, kr := median(reqs["samsa"]), median(reqs["kfake"])
	so, ko := median(offs["samsa"]), median(offs["kfake"])
	fmt.Fprintf(&b, "| OffsetCommit requests/s (%d workers, %d partitions each) | %.0f | %.0f | %.2f | |\n", commitWorkers, commitPartitions, sr, kr, sr/kr)
	fmt.Fprintf(&b, "| committed partition-offsets/s | %.0f | %.0f | %.2f | >= 20,000 |\n", so, ko, so/ko)
	fmt.Fprintf(&b, "\nRounds: join %v, cold %v, requests/s %v\n", fmtDurs(join), fmtDurs(cold), reqs)
	t.Log(b.String())
}

func fmtDurs(m map[string][]time.Duration) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var s []string
		for _, d := range m[k] {
			s = append(s, d.Round(time.Millisecond).String())
		}
		parts = append(parts, k+" "+strings.Join(s, ", "))
	}
	return strings.Join(parts, "; ")
}
