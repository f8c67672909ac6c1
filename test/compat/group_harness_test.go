//go:build compat

package compat

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The consumer-group tests (group_test.go) drive group members of every
// client through one abstraction: a member reports, as the client tells it,
// its current assignment, every record it received and every offset commit
// the broker acknowledged. Go clients (franz-go, sarama, kafka-go) run as
// goroutines in this process; confluent-kafka-python and kafkajs run as
// child processes (python/group_member.py, js/group_member.js) that print
// those events as JSON lines and leave the group when told "close" on
// stdin. A member leaves cleanly (close: the client's own close, which sends
// LeaveGroup) or is killed: a child process gets SIGKILL; a Go client's
// connections are cut and it cannot dial again (killSwitch), so it stops
// heartbeating without a LeaveGroup, as a crashed process would.
//
// Nothing waits a fixed time: every step polls for a condition until
// stepTimeout, and a timeout fails with the state last seen.

const (
	// groupSession is the session timeout every member asks for (the
	// brokers run with group.min.session.timeout.ms=500): a killed member
	// is noticed after about this long.
	groupSession = 2 * time.Second
	// groupHeartbeat is the members' heartbeat interval.
	groupHeartbeat = 250 * time.Millisecond
	// groupRebalance is the members' rebalance timeout (librdkafka's
	// max.poll.interval.ms): how long the broker waits for members to
	// rejoin, a bound on a slow rebalance.
	groupRebalance = 10 * time.Second
)

// tp is a topic partition.
type tp struct {
	Topic     string
	Partition int32
}

func (x tp) String() string { return fmt.Sprintf("%s/%d", x.Topic, x.Partition) }

// groupRec is a record a member received.
type groupRec struct {
	tp
	Offset int64
	Key    string
	Value  string
}

// memberConfig is what a member is started with.
type memberConfig struct {
	Bootstrap string
	Name      string // also the client.id, to match DescribeGroups members
	Group     string
	Topic     string
}

// member is one consumer-group member, whatever its client.
type member struct {
	name, client, group string

	mu        sync.Mutex
	assigned  map[tp]bool
	revoked   []tp // every partition the client reported revoked or lost, in order
	recs      []groupRec
	committed map[tp]int64
	errs      []string
	gone      bool // closed or killed
	// fromBroker: the client does not expose its assignment (kafka-go's
	// Reader); waitOwnership takes it from DescribeGroups, and deliveries
	// then check that the client consumes what the broker assigned it.
	fromBroker bool

	// groupMeta, if set, is the client's member id and generation
	// (franz-go's GroupMetadata).
	groupMeta func() (string, int32)

	closeFn func() error // leave the group cleanly and stop; waits
	killFn  func()       // stop without leaving the group
}

func newMember(c memberConfig, client string) *member {
	return &member{name: c.Name, client: client, group: c.Group, assigned: map[tp]bool{}, committed: map[tp]int64{}}
}

// setAssigned replaces the member's assignment in topic.
func (m *member) setAssigned(topic string, parts []int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.assigned {
		if k.Topic == topic {
			delete(m.assigned, k)
		}
	}
	for _, p := range parts {
		m.assigned[tp{topic, p}] = true
	}
}

func (m *member) addAssigned(a map[string][]int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for t, ps := range a {
		for _, p := range ps {
			m.assigned[tp{t, p}] = true
		}
	}
}

func (m *member) removeAssigned(a map[string][]int32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for t, ps := range a {
		for _, p := range ps {
			delete(m.assigned, tp{t, p})
			m.revoked = append(m.revoked, tp{t, p})
		}
	}
}

func (m *member) record(r groupRec) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, r)
}

func (m *member) commit(x tp, offset int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.committed[x] = max(m.committed[x], offset)
}

func (m *member) err(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.errs) < 50 {
		m.errs = append(m.errs, fmt.Sprintf(format, args...))
	}
}

// assignment is a copy of the member's current assignment, sorted.
func (m *member) assignment() []tp {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]tp, 0, len(m.assigned))
	for k := range m.assigned {
		out = append(out, k)
	}
	sortTPs(out)
	return out
}

func (m *member) revokedSince(i int) []tp {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.revoked[i:])
}

func (m *member) numRevoked() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.revoked)
}

func (m *member) records() []groupRec {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.recs)
}

func (m *member) errors() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.errs)
}

// close makes the member leave the group with its client's own close.
func (m *member) close(t *testing.T) {
	t.Helper()
	m.mu.Lock()
	m.gone = true
	m.mu.Unlock()
	if err := m.closeFn(); err != nil {
		t.Errorf("%s: close: %v", m.name, err)
	}
}

// kill stops the member without a LeaveGroup.
func (m *member) kill() {
	m.mu.Lock()
	m.gone = true
	m.mu.Unlock()
	m.killFn()
}

func sortTPs(s []tp) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Topic != s[j].Topic {
			return s[i].Topic < s[j].Topic
		}
		return s[i].Partition < s[j].Partition
	})
}

// groupClient starts members of one client library.
type groupClient struct {
	name string
	// start starts a member; a cleanup of t stops it (killing it if the
	// test did not close it). It may be called from any goroutine.
	start func(t *testing.T, c memberConfig) (*member, error)
}

// startMembers starts one member per name concurrently on the broker at
// addr.
func startMembers(t *testing.T, gc groupClient, addr, group, topic string, names ...string) []*member {
	t.Helper()
	out := make([]*member, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() {
			out[i], errs[i] = gc.start(t, memberConfig{Bootstrap: addr, Name: n, Group: group, Topic: topic})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("starting %s members: %v", gc.name, err)
	}
	return out
}

// ownership is the partitions each member owns after a rebalance.
type ownership map[string][]tp

func (o ownership) owner(x tp) string {
	for n, ps := range o {
		if slices.Contains(ps, x) {
			return n
		}
	}
	return ""
}

// waitOwnership waits until group is Stable on the broker with exactly the
// members live, and the partitions of topic are split among them: every
// partition owned by exactly one member, every member owning at least one
// (so a member that just joined took part in the rebalance), and each
// member's own view of its assignment equal to what the broker's
// DescribeGroups says it was assigned (its client.id names it there).
func waitOwnership(t *testing.T, group, topic string, partitions int32, live []*member) ownership {
	t.Helper()
	return waitOwnershipAt(t, brokerAddr, group, topic, partitions, live)
}

// waitOwnershipAt is waitOwnership on the broker at addr.
func waitOwnershipAt(t *testing.T, addr, group, topic string, partitions int32, live []*member) ownership {
	t.Helper()
	adm := kadm.NewClient(newFranzAt(t, addr))
	deadline := time.Now().Add(stepTimeout)
	var last string
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		dg, err := adm.DescribeGroups(ctx, group)
		cancel()
		own, why := checkOwnership(dg, err, group, topic, partitions, live)
		if why == "" {
			return own
		}
		last = why
		time.Sleep(100 * time.Millisecond)
	}
	var b strings.Builder
	for _, m := range live {
		fmt.Fprintf(&b, "\n  %s: client view %v, errors %v", m.name, m.assignment(), m.errors())
	}
	t.Fatalf("group %s never settled with members %v owning %s's %d partitions: %s%s", group, names(live), topic, partitions, last, b.String())
	return nil
}

func names(ms []*member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.name)
	}
	return out
}

func checkOwnership(dg kadm.DescribedGroups, err error, group, topic string, partitions int32, live []*member) (ownership, string) {
	if err != nil {
		return nil, fmt.Sprintf("DescribeGroups: %v", err)
	}
	g, ok := dg[group]
	if !ok || g.Err != nil {
		return nil, fmt.Sprintf("DescribeGroups: %+v", g)
	}
	broker := map[string][]tp{}
	for _, bm := range g.Members {
		var ps []tp
		if a, ok := bm.Assigned.AsConsumer(); ok {
			for _, at := range a.Topics {
				for _, p := range at.Partitions {
					ps = append(ps, tp{at.Topic, p})
				}
			}
		}
		sortTPs(ps)
		if _, dup := broker[bm.ClientID]; dup {
			return nil, fmt.Sprintf("two members with client.id %s (a stale member?): %+v", bm.ClientID, g.Members)
		}
		broker[bm.ClientID] = ps
	}
	if g.State != "Stable" || len(g.Members) != len(live) {
		return nil, fmt.Sprintf("broker: state %s with %d members %v, want Stable with %d", g.State, len(g.Members), broker, len(live))
	}
	own := ownership{}
	for _, m := range live {
		bp, ok := broker[m.name]
		if !ok {
			return nil, fmt.Sprintf("broker: no member with client.id %s: %v", m.name, broker)
		}
		if m.fromBroker {
			m.mu.Lock()
			m.assigned = map[tp]bool{}
			for _, x := range bp {
				m.assigned[x] = true
			}
			m.mu.Unlock()
		}
		cp := m.assignment()
		if !slices.Equal(cp, bp) {
			return nil, fmt.Sprintf("%s: client says it owns %v, broker assigned %v", m.name, cp, bp)
		}
		if len(cp) == 0 {
			return nil, fmt.Sprintf("%s owns nothing yet (all: %v)", m.name, broker)
		}
		own[m.name] = cp
	}
	count := map[tp]int{}
	for _, ps := range own {
		for _, x := range ps {
			if x.Topic != topic || x.Partition < 0 || x.Partition >= partitions {
				return nil, fmt.Sprintf("assignment of %s, which is not one of %s's %d partitions: %v", x, topic, partitions, own)
			}
			count[x]++
		}
	}
	for p := range partitions {
		if c := count[tp{topic, p}]; c != 1 {
			return nil, fmt.Sprintf("partition %d owned by %d members: %v", p, c, own)
		}
	}
	return own, ""
}

// produceTagged writes n records to every partition of topic with values
// "tag/p/i" (keys "k-tag-p-i"), uncompressed, and waits for the acknowledgements.
func produceTagged(t *testing.T, addr, topic string, partitions int32, n int, tag string) map[string]tp {
	t.Helper()
	// Uncompressed: kafkajs has no snappy (franz-go's default codec).
	cl := newFranzAt(t, addr, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	defer cl.Close()
	want := map[string]tp{}
	var rs []*kgo.Record
	for p := range partitions {
		for i := range n {
			v := fmt.Sprintf("%s/%d/%d", tag, p, i)
			want[v] = tp{topic, p}
			rs = append(rs, &kgo.Record{Partition: p, Key: fmt.Appendf(nil, "k-%s-%d-%d", tag, p, i), Value: []byte(v)})
		}
	}
	if err := cl.ProduceSync(stepCtx(t), rs...).FirstErr(); err != nil {
		t.Fatalf("produce %s: %v", tag, err)
	}
	return want
}

// waitDelivered waits until the members of one group together received
// every record of want (value → partition), then checks that each record
// went to the member owning its partition (own) and to no other member.
func waitDelivered(t *testing.T, ms []*member, own ownership, want map[string]tp) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var missing []string
	for time.Now().Before(deadline) {
		got := map[string]bool{}
		for _, m := range ms {
			for _, r := range m.records() {
				got[r.Value] = true
			}
		}
		missing = missing[:0]
		for v := range want {
			if !got[v] {
				missing = append(missing, v)
			}
		}
		if len(missing) == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		var b strings.Builder
		for _, m := range ms {
			fmt.Fprintf(&b, "\n  %s: owns %v, %d records, errors %v", m.name, m.assignment(), len(m.records()), m.errors())
		}
		t.Fatalf("%d of %d records never delivered (first %v)%s", len(missing), len(want), missing[:min(5, len(missing))], b.String())
	}
	for _, m := range ms {
		seen := map[string]bool{}
		for _, r := range m.records() {
			x, ok := want[r.Value]
			if !ok {
				continue
			}
			if r.tp != x {
				t.Errorf("%s: record %q read from %s, produced to %s", m.name, r.Value, r.tp, x)
			}
			if own != nil && own.owner(x) != m.name {
				t.Errorf("%s received %q of %s, which %q owns", m.name, r.Value, x, own.owner(x))
			}
			if seen[r.Value] {
				t.Errorf("%s received %q twice", m.name, r.Value)
			}
			seen[r.Value] = true
		}
	}
}

// newFranzAt is newFranz on another broker.
func newFranzAt(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// createTopicAt creates topic with n partitions on addr and waits until
// every partition has a leader.
func createTopicAt(t *testing.T, addr, topic string, n int32) {
	t.Helper()
	adm := kadm.NewClient(newFranzAt(t, addr))
	res, err := adm.CreateTopics(stepCtx(t), n, 1, nil, topic)
	if err == nil {
		err = res[topic].Err
	}
	if err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		td, err := adm.ListTopics(stepCtx(t), topic)
		if err == nil && td[topic].Err == nil && len(td[topic].Partitions) == int(n) {
			ok := true
			for _, p := range td[topic].Partitions {
				ok = ok && p.Leader >= 0 && p.Err == nil
			}
			if ok {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("topic %s has no leaders", topic)
}

// killSwitch is a dialer whose connections can all be cut at once, after
// which it refuses to dial: a Go client behind it stops reaching the broker
// the way a crashed process does, without a LeaveGroup.
type killSwitch struct {
	mu    sync.Mutex
	dead  bool
	conns []net.Conn
}

var errKilled = errors.New("compat: member killed")

func (k *killSwitch) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	k.mu.Lock()
	dead := k.dead
	k.mu.Unlock()
	if dead {
		return nil, errKilled
	}
	c, err := (&net.Dialer{Timeout: 10 * time.Second}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead {
		c.Close()
		return nil, errKilled
	}
	k.conns = append(k.conns, c)
	return c, nil
}

// Dial is sarama's proxy.Dialer.
func (k *killSwitch) Dial(network, addr string) (net.Conn, error) {
	return k.DialContext(context.Background(), network, addr)
}

func (k *killSwitch) kill() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dead = true
	for _, c := range k.conns {
		c.Close()
	}
}

// restartable is a broker process of its own (not the suite's shared one)
// on fixed ports and a data dir that outlive the process, so that a test
// can stop it (SIGTERM) or kill it (SIGKILL) and start it again on the same
// state.
type restartable struct {
	t       *testing.T
	dataDir string
	logPath string
	ports   []int
	proc    *brokerProc
}

func newRestartable(t *testing.T) *restartable {
	t.Helper()
	dir := t.TempDir()
	r := &restartable{t: t, dataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "broker.log")}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if r.ports, err = freePorts(3); err != nil {
			t.Fatal(err)
		}
		if r.proc, err = tryStartBroker(samsaBin, r.dataDir, r.logPath, r.ports); err == nil {
			break
		}
		os.RemoveAll(r.dataDir)
	}
	if err != nil {
		t.Fatalf("starting a broker: %v", err)
	}
	t.Cleanup(func() {
		if r.proc != nil {
			select {
			case <-r.proc.exited:
			default:
				r.proc.cmd.Process.Kill()
				<-r.proc.exited
			}
			r.proc.logFile.Close()
		}
		if t.Failed() {
			t.Logf("%s:\n%s", r.logPath, tail(r.logPath, 60))
		}
	})
	return r
}

func (r *restartable) addr() string { return r.proc.addr }

// stop ends the process cleanly (SIGTERM) or with SIGKILL.
func (r *restartable) stop(kill bool) {
	r.t.Helper()
	if kill {
		r.proc.cmd.Process.Signal(syscall.SIGKILL)
		<-r.proc.exited
		r.proc.logFile.Close()
	} else if err := r.proc.stop(); err != nil {
		r.t.Fatalf("clean stop: %v", err)
	}
	r.proc = nil
}

// start starts the process again on the same ports and data dir.
func (r *restartable) start() {
	r.t.Helper()
	var err error
	// The ports were just released; a retry covers a slow release.
	for attempt := 0; attempt < 3; attempt++ {
		if r.proc, err = tryStartBroker(samsaBin, r.dataDir, r.logPath, r.ports); err == nil {
			return
		}
		time.Sleep(time.Second)
	}
	r.t.Fatalf("restarting the broker: %v", err)
}
