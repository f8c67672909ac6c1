package robust

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/record"
)

// TestIdempotentRetryAfterDroppedResponse puts a proxy between an
// idempotent acks=all franz-go producer and the broker. Once, the proxy
// forwards a Produce request but drops the broker's answer and closes the
// client's connection: the batch is written, the producer does not know it,
// and retries the same batch (same producer id, epoch and sequence) on a new
// connection. The broker's producer state must answer the retry as a
// duplicate with the original offset, so that the topic holds every record
// exactly once and each at the offset its promise reported.
func TestIdempotentRetryAfterDroppedResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The broker advertises the proxy, so that every connection the client
	// makes after bootstrapping goes through it.
	b := startInProcess(t, map[string]string{"advertised.listeners": "PLAINTEXT://" + ln.Addr().String()})
	px := newDropProxy(t, ln, b.addr, 3)

	const topic, n = "idem", 300
	ctx := testContext(t, 60*time.Second)
	if res, err := kadm.NewClient(newClient(t, b.addr)).CreateTopics(ctx, 1, 1, nil, topic); err != nil || res.Error() != nil {
		t.Fatalf("create topic: %v %v", err, res.Error())
	}
	waitHosted(t, b.addr, topic, 1)

	prod := newClient(t, px.addr(), kgo.DefaultProduceTopic(topic), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(time.Millisecond))
	offsets := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		prod.Produce(ctx, &kgo.Record{Value: fmt.Appendf(nil, "r%d", i)}, func(r *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				t.Errorf("record %d: %v", i, err)
			}
			offsets[i] = r.Offset
		})
		if i%10 == 9 {
			// Small pauses make many batches, so that the drop hits one in
			// the middle of the stream.
			time.Sleep(time.Millisecond)
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	dropped, retried := px.result()
	if dropped == nil {
		t.Fatal("the proxy never dropped a Produce answer")
	}
	t.Logf("dropped the answer to producer %d epoch %d sequence %d; retried: %v", dropped.pid, dropped.epoch, dropped.seq, retried)
	if !retried {
		t.Error("no later Produce request carried the dropped batch again: the retry this test is about did not happen")
	}

	recs := consumeAll(t, b.addr, topic, 30*time.Second)[0]
	if len(recs) != n {
		t.Errorf("the topic holds %d records, want %d (a duplicate means the retry was written twice)", len(recs), n)
	}
	for i, r := range recs {
		if want := fmt.Sprintf("r%d", i); string(r.Value) != want || r.Offset != int64(i) {
			t.Fatalf("offset %d holds %q (record offset %d), want %q", i, r.Value, r.Offset, want)
		}
	}
	for i, o := range offsets {
		if o != int64(i) {
			t.Errorf("record %d was acknowledged at offset %d", i, o)
		}
	}
}

// batchID identifies an idempotent batch.
type batchID struct {
	pid   int64
	epoch int16
	seq   int32
}

// dropProxy forwards Kafka connections to a broker, and drops the answer
// to the dropAt-th Produce request (and closes that client connection).
type dropProxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	dropAt int

	mu       sync.Mutex
	produces int
	dropped  *batchID
	retried  bool
}

func newDropProxy(t *testing.T, ln net.Listener, target string, dropAt int) *dropProxy {
	p := &dropProxy{t: t, ln: ln, target: target, dropAt: dropAt}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, s)
			mu.Unlock()
			wg.Go(func() { p.serve(c, s) })
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return p
}

func (p *dropProxy) addr() string { return p.ln.Addr().String() }

func (p *dropProxy) result() (*batchID, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dropped, p.retried
}

// serve relays one client connection c to the broker connection s.
func (p *dropProxy) serve(c, s net.Conn) {
	var upstream sync.WaitGroup
	defer upstream.Wait() // after the closes below, which end it
	defer c.Close()
	defer s.Close()
	// Produce requests in flight on this connection, by correlation id,
	// with the batch each carries.
	var mu sync.Mutex
	inflight := map[int32]*batchID{}
	upstream.Go(func() {
		defer s.Close()
		r := bufio.NewReader(c)
		for {
			frame, err := readRawFrame(r)
			if err != nil {
				return
			}
			if key := int16(binary.BigEndian.Uint16(frame[4:])); key == kmsg.Produce.Int16() {
				id := produceBatchID(frame[4:])
				mu.Lock()
				inflight[int32(binary.BigEndian.Uint32(frame[8:]))] = id
				mu.Unlock()
				p.mu.Lock()
				if p.dropped != nil && id != nil && *id == *p.dropped {
					p.retried = true
				}
				p.mu.Unlock()
			}
			if _, err := s.Write(frame); err != nil {
				return
			}
		}
	})
	r := bufio.NewReader(s)
	for {
		frame, err := readRawFrame(r)
		if err != nil {
			return
		}
		corr := int32(binary.BigEndian.Uint32(frame[4:]))
		mu.Lock()
		id, isProduce := inflight[corr]
		delete(inflight, corr)
		mu.Unlock()
		if isProduce {
			p.mu.Lock()
			p.produces++
			drop := p.produces == p.dropAt && id != nil
			if drop {
				p.dropped = id
			}
			p.mu.Unlock()
			if drop {
				return // closes both connections, the answer unsent
			}
		}
		if _, err := c.Write(frame); err != nil {
			return
		}
	}
}

// readRawFrame reads one size-prefixed frame, prefix included.
func readRawFrame(r *bufio.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(size[:])
	if n < 8 || n > 64<<20 {
		return nil, fmt.Errorf("frame size %d", n)
	}
	frame := make([]byte, 4+n)
	copy(frame, size[:])
	_, err := io.ReadFull(r, frame[4:])
	return frame, err
}

// produceBatchID decodes a Produce request (without its size prefix) and
// returns the producer id, epoch and base sequence of its first batch, or
// nil.
func produceBatchID(frame []byte) *batchID {
	version := int16(binary.BigEndian.Uint16(frame[2:]))
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(version)
	b := frame[8:]
	idLen := int16(binary.BigEndian.Uint16(b))
	b = b[2+max(idLen, 0):]
	if req.IsFlexible() {
		b = b[1:] // empty header tag section, as franz-go sends it
	}
	if err := req.ReadFrom(b); err != nil {
		return nil
	}
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			batch, err := record.ParseBatch(p.Records)
			if err != nil || batch.ProducerID() < 0 {
				continue
			}
			return &batchID{batch.ProducerID(), batch.ProducerEpoch(), batch.BaseSequence()}
		}
	}
	return nil
}

// TestOutOfOrderSequence: with raw requests, an idempotent producer's
// sequence 0 is written, its retry answered as a duplicate with the
// original offset, a jump to sequence 5 refused with
// OUT_OF_ORDER_SEQUENCE_NUMBER (nothing written), and sequence 1 accepted.
func TestOutOfOrderSequence(t *testing.T) {
	b := startInProcess(t, nil)
	ctx := testContext(t, 30*time.Second)
	if res, err := kadm.NewClient(newClient(t, b.addr)).CreateTopics(ctx, 1, 1, nil, "seq"); err != nil || res.Error() != nil {
		t.Fatalf("create topic: %v %v", err, res.Error())
	}
	waitHosted(t, b.addr, "seq", 1)

	c := dialRaw(t, b.addr)
	init := kmsg.NewPtrInitProducerIDRequest()
	init.SetVersion(4)
	init.TransactionTimeoutMillis = 60_000
	initResp := c.roundTrip(init).(*kmsg.InitProducerIDResponse)
	if initResp.ErrorCode != 0 || initResp.ProducerID < 0 {
		t.Fatalf("InitProducerID: error %d, producer id %d", initResp.ErrorCode, initResp.ProducerID)
	}
	batch := func(seq int32) []byte {
		opts := record.DefaultBatchOptions()
		opts.ProducerID, opts.ProducerEpoch, opts.BaseSequence = initResp.ProducerID, initResp.ProducerEpoch, seq
		b, err := record.Build(opts, []record.Record{{Timestamp: time.Now().UnixMilli(), Value: fmt.Appendf(nil, "seq %d", seq)}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	send := func(seq int32) kmsg.ProduceResponseTopicPartition {
		resp := c.roundTrip(produceRequest(9, -1, "seq", 0, batch(seq))).(*kmsg.ProduceResponse)
		return resp.Topics[0].Partitions[0]
	}

	if p := send(0); p.ErrorCode != 0 || p.BaseOffset != 0 {
		t.Fatalf("sequence 0: error %d, offset %d; want success at 0", p.ErrorCode, p.BaseOffset)
	}
	if p := send(0); p.ErrorCode != 0 || p.BaseOffset != 0 {
		t.Errorf("retried sequence 0: error %d, offset %d; want the duplicate answered with offset 0", p.ErrorCode, p.BaseOffset)
	}
	p := send(5)
	wantProduceError(t, p, kerr.OutOfOrderSequenceNumber)
	if p := send(1); p.ErrorCode != 0 || p.BaseOffset != 1 {
		t.Errorf("sequence 1 after the refused jump: error %d, offset %d; want success at 1", p.ErrorCode, p.BaseOffset)
	}
}
