package group

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/samsa-io/samsa/internal/coordinator"
)

// fakeEnv is the shard seen by the state machine in unit tests: a manual
// clock, timers fired by advance, an in-memory log whose appends commit
// at once.
type fakeEnv struct {
	now    time.Time
	timers map[string]*fakeTimer
	seq    int
	log    []coordinator.Record
	// appendErr, when set, fails every Append.
	appendErr error
}

type fakeTimer struct {
	at  time.Time
	seq int
	fn  func()
}

func newFakeEnv() *fakeEnv {
	return &fakeEnv{now: time.UnixMilli(1_700_000_000_000), timers: map[string]*fakeTimer{}}
}

func (e *fakeEnv) Now() time.Time { return e.now }

func (e *fakeEnv) Append(recs []coordinator.Record) (int64, error) {
	if e.appendErr != nil {
		return 0, e.appendErr
	}
	first := int64(len(e.log))
	e.log = append(e.log, recs...)
	return first, nil
}

func (e *fakeEnv) AfterCommit(fn func(error)) { fn(nil) }

func (e *fakeEnv) Schedule(key string, d time.Duration, fn func()) {
	e.seq++
	e.timers[key] = &fakeTimer{at: e.now.Add(d), seq: e.seq, fn: fn}
}

func (e *fakeEnv) Cancel(key string) { delete(e.timers, key) }

// advance moves the clock, firing due timers in deadline order.
func (e *fakeEnv) advance(d time.Duration) {
	end := e.now.Add(d)
	for {
		var key string
		var next *fakeTimer
		for k, t := range e.timers {
			if !t.at.After(end) && (next == nil || t.at.Before(next.at) || t.at.Equal(next.at) && t.seq < next.seq) {
				key, next = k, t
			}
		}
		if next == nil {
			e.now = end
			return
		}
		delete(e.timers, key)
		if next.at.After(e.now) {
			e.now = next.at
		}
		next.fn()
	}
}

// harness drives one shardState.
type harness struct {
	t    *testing.T
	env  *fakeEnv
	opts Options
	s    *shardState
}

func newHarness(t *testing.T, mod func(*Options)) *harness {
	t.Helper()
	o := DefaultOptions()
	o.InitialRebalanceDelay = 0
	o.MinSessionTimeout = 10 * time.Millisecond
	if mod != nil {
		mod(&o)
	}
	m, err := newMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, env: newFakeEnv(), opts: o}
	h.s = newShardState(&h.opts, m, nil)
	h.s.logger = discardLogger()
	h.s.loaded(h.env)
	return h
}

// joinCall is a JoinGroup whose answer may come later.
type joinCall struct{ res *JoinResult }

func (c *joinCall) done() bool { return c.res != nil }

func (h *harness) join(req JoinRequest) *joinCall {
	c := &joinCall{}
	if req.SessionTimeout == 0 {
		req.SessionTimeout = time.Second
	}
	if req.RebalanceTimeout == 0 {
		req.RebalanceTimeout = 2 * time.Second
	}
	if req.ProtocolType == "" {
		req.ProtocolType = "consumer"
	}
	if req.Protocols == nil {
		req.Protocols = []Protocol{{Name: "range", Metadata: []byte("m")}}
	}
	h.s.join(req, func(r JoinResult) {
		if c.res != nil {
			h.t.Errorf("join of %q answered twice", req.MemberID)
		}
		c.res = &r
	})
	return c
}

// joinNew joins a dynamic member through KIP-394 and returns its id and
// pending call.
func (h *harness) joinNew(groupID string) (string, *joinCall) {
	h.t.Helper()
	first := h.join(JoinRequest{Group: groupID, ClientID: "c", RequireKnownMemberID: true})
	if !first.done() || first.res.Err != ErrMemberIDRequired {
		h.t.Fatalf("first join: %+v", first.res)
	}
	return first.res.MemberID, h.join(JoinRequest{Group: groupID, MemberID: first.res.MemberID, ClientID: "c", RequireKnownMemberID: true})
}

type syncCall struct{ res *SyncResult }

func (h *harness) sync(req SyncRequest) *syncCall {
	c := &syncCall{}
	h.s.sync(req, func(r SyncResult) { c.res = &r })
	return c
}

func (h *harness) heartbeat(groupID, member string, gen int32) error {
	var out error
	h.s.heartbeat(HeartbeatRequest{Group: groupID, MemberID: member, Generation: gen}, func(err error) { out = err })
	return out
}

func (h *harness) commit(req CommitRequest) []error {
	var out []error
	h.s.commit(req, func(errs []error) { out = errs })
	return out
}

func (h *harness) fetch(groupID string) map[TopicPartition]OffsetValue {
	var out map[TopicPartition]OffsetValue
	h.s.fetch(groupID, nil, true, func(m map[TopicPartition]OffsetValue) { out = m })
	return out
}

func (h *harness) state(groupID string) State {
	g := h.s.groups[groupID]
	if g == nil {
		return Dead
	}
	return g.state
}

func (h *harness) members(groupID string) []string {
	g := h.s.groups[groupID]
	if g == nil {
		return nil
	}
	return slices.Clone(g.order)
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

var fakeNow = time.UnixMilli(1_700_000_000_000)

func recordOf(k, v []byte) coordinator.Record { return coordinator.Record{Key: k, Value: v} }
