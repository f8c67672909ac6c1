//go:build robust

package robust

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestCrashKill9GroupCommits: committed offsets survive SIGKILL while the
// coordinator is busy. The binary runs with one __consumer_offsets
// partition, 1 MiB segments and samsa.offsets.topic.rewrite.min.bytes =
// 256 KiB, so that its log is rewritten (live state appended afresh, old
// segments dropped) many times. Workers commit ever-growing offsets for 40
// groups × 8 partitions with raw OffsetCommit requests (simple commits,
// generation -1) until the process is killed at a random moment; three
// rounds. After each restart, OffsetFetch of every group answers, per
// partition, at least the last offset whose commit was acknowledged and at
// most the last one sent (an unacknowledged commit may or may not have
// landed, but nothing acknowledged may be lost or go backwards).
func TestCrashKill9GroupCommits(t *testing.T) {
	const (
		groups     = 40
		partitions = 8
		workers    = 4
		rounds     = 3
	)
	n := newNode(t, map[string]string{
		"offsets.topic.num.partitions":          "1",
		"offsets.topic.replication.factor":      "1",
		"offsets.topic.segment.bytes":           fmt.Sprint(1 << 20),
		"samsa.offsets.topic.rewrite.min.bytes": fmt.Sprint(256 << 10),
	})
	n.start()
	n.waitReady(30 * time.Second)
	ctx := testContext(t, 5*time.Minute)
	cl := newClient(t, n.addr)
	createGroupTopic(ctx, t, cl, "t", partitions)

	type key struct {
		group string
		p     int32
	}
	var mu sync.Mutex
	acked, sent := map[key]int64{}, map[key]int64{}
	next := map[string]int64{} // per group, the next offset to commit (all partitions alike)
	for round := range rounds {
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var total int64
		for w := range workers {
			wcl := newClient(t, n.addr)
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					g := fmt.Sprintf("g%02d", (w+i*workers)%groups)
					mu.Lock()
					next[g]++
					off := next[g]
					for p := range int32(partitions) {
						sent[key{g, p}] = off
					}
					mu.Unlock()
					req := kmsg.NewPtrOffsetCommitRequest()
					req.Group, req.Generation = g, -1
					rt := kmsg.NewOffsetCommitRequestTopic()
					rt.Topic = "t"
					for p := range int32(partitions) {
						rp := kmsg.NewOffsetCommitRequestTopicPartition()
						rp.Partition, rp.Offset, rp.LeaderEpoch = p, off, -1
						md := fmt.Sprintf("round %d %s", round, g)
						rp.Metadata = &md
						rt.Partitions = append(rt.Partitions, rp)
					}
					req.Topics = append(req.Topics, rt)
					rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					resp, err := req.RequestWith(rctx, wcl)
					cancel()
					if err != nil {
						continue // the broker is gone (or going): unacknowledged
					}
					mu.Lock()
					for _, rt := range resp.Topics {
						for _, rp := range rt.Partitions {
							if rp.ErrorCode == 0 {
								k := key{g, rp.Partition}
								acked[k] = max(acked[k], off)
								total++
							}
						}
					}
					mu.Unlock()
				}
			})
		}
		// Kill at a random moment once enough commits went through that
		// the log has been rewritten a few times.
		minAcked := int64(20000 * (round + 1))
		deadline := time.Now().Add(2 * time.Minute)
		for {
			mu.Lock()
			a := total
			mu.Unlock()
			if a >= minAcked || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond) // where in the stream the kill lands; not an assertion
		n.kill()
		close(stop)
		wg.Wait()
		mu.Lock()
		t.Logf("round %d: %d partition-offsets acknowledged before SIGKILL", round, total)
		mu.Unlock()
		n.start()
		n.waitReady(60 * time.Second)

		adm := kadm.NewClient(newClient(t, n.addr))
		lost := 0
		for gi := range groups {
			g := fmt.Sprintf("g%02d", gi)
			var res kadm.OffsetResponses
			var err error
			for try := 0; try < 100; try++ { // the coordinator loads the partition after the restart
				if res, err = adm.FetchOffsets(ctx, g); err == nil {
					break
				}
				if !kerr.IsRetriable(err) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("OffsetFetch %s after restart: %v", g, err)
			}
			for p := range int32(partitions) {
				k := key{g, p}
				mu.Lock()
				a, s := acked[k], sent[k]
				mu.Unlock()
				o, ok := res.Lookup("t", p)
				got := int64(-1)
				if ok {
					got = o.At
				}
				if got < a || got > s {
					if lost < 10 {
						t.Errorf("round %d: %s t/%d: committed offset %d after SIGKILL; acknowledged %d, last sent %d", round, g, p, got, a, s)
					}
					lost++
				}
				mu.Lock()
				// Whatever landed is the new floor for the next round.
				acked[k] = max(a, got)
				mu.Unlock()
			}
		}
		if lost > 0 {
			t.Fatalf("round %d: %d partition offsets out of [acknowledged, sent] after the restart", round, lost)
		}
	}
	// The test is about replay after rewrites: the offsets partition's log
	// start must have moved (old segments dropped after a rewrite).
	starts, err := kadm.NewClient(newClient(t, n.addr)).ListStartOffsets(ctx, "__consumer_offsets")
	if err != nil {
		t.Fatalf("ListStartOffsets __consumer_offsets: %v", err)
	}
	if o, ok := starts.Lookup("__consumer_offsets", 0); !ok || o.Offset <= 0 {
		t.Errorf("__consumer_offsets-0 log start offset %+v: the coordinator never rewrote its log, so replay after rewrites was not tested", o)
	} else {
		t.Logf("__consumer_offsets-0 log start offset %d after the rounds (rewrites happened)", o.Offset)
	}
	n.stop()
}
