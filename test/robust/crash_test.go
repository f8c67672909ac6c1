//go:build robust

package robust

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCrashKill9AcksAll: producers with acks=all and idempotence write to a
// 6-partition topic while the broker process is SIGKILLed at a random
// moment, three times. After each restart every acknowledged record must be
// at the offset it was acknowledged with, unchanged; per partition each
// producer's records must be in the order it sent them; and nothing may be
// written twice (the idempotent producer's retries are deduplicated).
func TestCrashKill9AcksAll(t *testing.T) {
	crashRounds(t, crashConfig{acks: kgo.AllISRAcks(), idempotent: true})
}

// TestCrashKill9AcksOne is the acks=1 variant. acks=1 acknowledges once the
// batch is in the page cache (docs/durability.md: Log.Append "survives a
// process crash: yes"; only a machine crash can lose it). SIGKILL is a
// process crash, the kernel keeps the page cache, so every acknowledged
// record must survive here too. Without idempotence a retry may legitimately
// write a record twice, so duplicates are allowed; order (of first
// occurrences: one request in flight per connection) and integrity are not.
func TestCrashKill9AcksOne(t *testing.T) {
	crashRounds(t, crashConfig{acks: kgo.LeaderAck(), idempotent: false})
}

type crashConfig struct {
	acks       kgo.Acks
	idempotent bool
}

const (
	crashTopic      = "crash"
	crashPartitions = 6
	crashRoundCount = 3
	crashProducers  = 2
)

// position is where a record was acknowledged.
type position struct {
	partition int32
	offset    int64
}

// history is what the producers were told: acknowledged value → position.
type history struct {
	mu    sync.Mutex
	acked map[string]position
}

func (h *history) ack(value string, p position) {
	h.mu.Lock()
	h.acked[value] = p
	h.mu.Unlock()
}

func crashRounds(t *testing.T, cfg crashConfig) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))

	n := newNode(t, nil)
	n.start()
	n.waitReady(30 * time.Second)
	ctx := testContext(t, 30*time.Second)
	// The smallest segment size allowed, so that kills also land around
	// segment rolls and restarts recover multi-segment logs.
	segmentBytes := "1048576"
	res, err := kadm.NewClient(newClient(t, n.addr)).CreateTopics(ctx, crashPartitions, 1,
		map[string]*string{"segment.bytes": &segmentBytes}, crashTopic)
	if err == nil {
		err = res.Error()
	}
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}

	h := &history{acked: map[string]position{}}
	for round := range crashRoundCount {
		// Long enough for the producers to get going, short enough for
		// three rounds to stay near ten seconds of producing.
		killAfter := 500*time.Millisecond + time.Duration(rng.Int64N(int64(2*time.Second)))
		before := len(h.acked)
		produceUntilKilled(t, n, h, cfg, round, killAfter)
		acked := len(h.acked) - before
		t.Logf("round %d: SIGKILL after %v, %d records acknowledged", round, killAfter.Round(time.Millisecond), acked)
		if acked == 0 {
			t.Fatalf("round %d: nothing was acknowledged before the kill; the round tests nothing", round)
		}
		n.start()
		n.waitReady(30 * time.Second)
		checkHistory(t, n.addr, h, cfg.idempotent)
		if t.Failed() {
			return
		}
	}
	n.stop()
	segs, _ := filepath.Glob(filepath.Join(n.dataDir, crashTopic+"-*", "*.log"))
	t.Logf("%d segments in %d partitions", len(segs), crashPartitions)
}

// produceUntilKilled runs the producers against n and SIGKILLs n after
// killAfter, then waits for every produce promise: acknowledged records are
// added to h.
func produceUntilKilled(t *testing.T, n *node, h *history, cfg crashConfig, round int, killAfter time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var promises, loops sync.WaitGroup
	clients := make([]*kgo.Client, crashProducers)
	for c := range clients {
		opts := []kgo.Opt{
			kgo.SeedBrokers(n.addr), kgo.DefaultProduceTopic(crashTopic),
			kgo.RequiredAcks(cfg.acks), kgo.ProducerLinger(2 * time.Millisecond),
		}
		if !cfg.idempotent {
			// Without idempotence, one request in flight is what keeps a
			// partition in send order.
			opts = append(opts, kgo.DisableIdempotentWrite(), kgo.MaxProduceRequestsInflightPerBroker(1))
		}
		cl, err := kgo.NewClient(opts...)
		if err != nil {
			t.Fatal(err)
		}
		clients[c] = cl
		loops.Go(func() {
			for seq := 0; ctx.Err() == nil; seq++ {
				if seq%25 == 0 {
					// Paced to about 25,000 records a second per producer:
					// enough to keep requests in flight when the kill comes,
					// while unpaced a round writes a million records and the
					// check dominates the run time without finding more.
					time.Sleep(time.Millisecond)
				}
				key, value := crashRecord(c, round, seq)
				promises.Add(1)
				cl.Produce(ctx, &kgo.Record{Key: key, Value: value}, func(r *kgo.Record, err error) {
					defer promises.Done()
					if err == nil {
						h.ack(string(r.Value), position{r.Partition, r.Offset})
					}
				})
			}
		})
	}
	time.Sleep(killAfter)
	n.kill()
	// Nothing can be acknowledged from here on: stop producing, and let
	// Close fail whatever is still buffered or in flight.
	cancel()
	loops.Wait()
	for _, cl := range clients {
		cl.Close()
	}
	done := make(chan struct{})
	go func() { promises.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("produce promises still pending 20s after closing the clients")
	}
}

// crashRecord is the key and value of producer c's seq-th record in a round.
// The value names its producer session and sequence and ends with a digest
// of both, so a corrupted or misplaced record is recognised.
func crashRecord(c, round, seq int) (key, value []byte) {
	head := fmt.Sprintf("c%d-r%d-s%d", c, round, seq)
	sum := sha256.Sum256([]byte(head))
	return []byte("k" + strconv.Itoa(seq%37)), []byte(head + "-" + hex.EncodeToString(sum[:12]))
}

// parseCrashRecord checks a record's integrity and returns its producer
// session ("c0-r1") and sequence.
func parseCrashRecord(key, value []byte) (session string, seq int, ok bool) {
	v := string(value)
	i := strings.LastIndexByte(v, '-')
	if i < 0 {
		return "", 0, false
	}
	head := v[:i]
	j := strings.LastIndex(head, "-s")
	if j < 0 {
		return "", 0, false
	}
	seq, err := strconv.Atoi(head[j+2:])
	if err != nil {
		return "", 0, false
	}
	sum := sha256.Sum256([]byte(head))
	if v[i+1:] != hex.EncodeToString(sum[:12]) || string(key) != "k"+strconv.Itoa(seq%37) {
		return "", 0, false
	}
	return head[:j], seq, true
}

// checkHistory reads the whole topic and checks it against h: acknowledged
// records at their positions, intact; offsets dense from 0; per partition
// each producer session in send order; with idempotence, no duplicates.
func checkHistory(t *testing.T, addr string, h *history, idempotent bool) {
	t.Helper()
	recs := consumeAll(t, addr, crashTopic, 60*time.Second)
	at := map[position]string{}
	seen := map[string]bool{}
	total, dups := 0, 0
	for p, rs := range recs {
		last := map[string]int{}
		for i, r := range rs {
			total++
			if r.Offset != int64(i) {
				t.Errorf("partition %d: record %d has offset %d (offsets must be dense from 0)", p, i, r.Offset)
				return
			}
			v := string(r.Value)
			at[position{p, r.Offset}] = v
			session, seq, ok := parseCrashRecord(r.Key, r.Value)
			if !ok {
				t.Errorf("partition %d offset %d: corrupt record key=%q value=%q", p, r.Offset, r.Key, r.Value)
				continue
			}
			if seen[v] {
				dups++
				if idempotent {
					t.Errorf("partition %d offset %d: duplicate of %s with an idempotent producer", p, r.Offset, v)
				}
				continue
			}
			seen[v] = true
			if prev, ok := last[session]; ok && seq <= prev {
				t.Errorf("partition %d offset %d: %s seq %d after seq %d (order)", p, r.Offset, session, seq, prev)
			}
			last[session] = seq
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	lost := 0
	for v, pos := range h.acked {
		if got, ok := at[pos]; !ok || got != v {
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged %s at partition %d offset %d; the log has %q there", v, pos.partition, pos.offset, got)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged records lost or moved", lost, len(h.acked))
	}
	t.Logf("checked %d records in the log (%d duplicates), %d acknowledged", total, dups, len(h.acked))
}
