//go:build compat

package compat

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// groupClients are the clients every group scenario runs with.
var groupClients = []groupClient{
	{name: "franz-go", start: startFranzMember},
	{name: "sarama", start: startSaramaMember},
	{name: "kafka-go", start: startKafkaGoMember},
	{name: "confluent-kafka-python", start: startConfluentMember},
	{name: "kafkajs", start: startKafkaJSMember},
}

// startFranzMember: a kgo consumer group member with kgo's default balancer
// (cooperative-sticky), autocommit off, CommitRecords (synchronous) after
// every poll. The assignment is what OnPartitionsAssigned/Revoked/Lost say.
func startFranzMember(t *testing.T, c memberConfig) (*member, error) {
	return startFranzMemberOpts(t, c)
}

func startFranzMemberOpts(t *testing.T, c memberConfig, extra ...kgo.Opt) (*member, error) {
	m := newMember(c, "franz-go")
	ks := &killSwitch{}
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Bootstrap), kgo.ClientID(c.Name), kgo.ConsumerGroup(c.Group), kgo.ConsumeTopics(c.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit(),
		kgo.SessionTimeout(groupSession), kgo.HeartbeatInterval(groupHeartbeat), kgo.RebalanceTimeout(groupRebalance),
		kgo.FetchMaxWait(200 * time.Millisecond), kgo.Dialer(ks.DialContext),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { m.addAssigned(a) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { m.removeAssigned(a) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, a map[string][]int32) { m.removeAssigned(a) }),
	}
	if os.Getenv("COMPAT_DEBUG") != "" {
		opts = append(opts, kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelDebug, func() string { return "[" + c.Name + "] " })))
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, err
	}
	m.groupMeta = cl.GroupMetadata
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			fs := cl.PollFetches(ctx)
			if fs.IsClientClosed() || ctx.Err() != nil {
				return
			}
			fs.EachError(func(topic string, p int32, err error) { m.err("fetch %s/%d: %v", topic, p, err) })
			recs := fs.Records()
			for _, r := range recs {
				m.record(groupRec{tp{r.Topic, r.Partition}, r.Offset, string(r.Key), string(r.Value)})
			}
			if len(recs) == 0 {
				continue
			}
			if err := cl.CommitRecords(ctx, recs...); err != nil {
				m.err("commit: %v", err)
				continue
			}
			for _, r := range recs {
				m.commit(tp{r.Topic, r.Partition}, r.Offset+1)
			}
		}
	}()
	var once sync.Once
	stop := func(kill bool) {
		once.Do(func() {
			if kill {
				ks.kill()
			}
			cancel()
			<-done
			closed := make(chan struct{})
			go func() { cl.Close(); close(closed) }() // Close leaves the group
			if !kill {
				<-closed
				return
			}
			select { // a killed client's LeaveGroup cannot get out; do not wait for its retries
			case <-closed:
			case <-time.After(5 * time.Second):
			}
		})
	}
	m.closeFn = func() error { stop(false); return nil }
	m.killFn = func() { stop(true) }
	t.Cleanup(func() { stop(true) })
	recordVersion("franz-go (groups)", modVersion("github.com/twmb/franz-go"))
	return m, nil
}

// startSaramaMember: sarama.ConsumerGroup (range strategy), offsets from
// the oldest, autocommit off: MarkMessage + Commit (synchronous) per
// message. The assignment is the session's Claims() between Setup and
// Cleanup.
func startSaramaMember(t *testing.T, c memberConfig) (*member, error) {
	m := newMember(c, "sarama")
	ks := &killSwitch{}
	cfg := saramaConfig(sarama.DefaultVersion)
	cfg.ClientID = c.Name
	cfg.Net.Proxy.Enable = true
	cfg.Net.Proxy.Dialer = ks
	cfg.Consumer.Group.Session.Timeout = groupSession
	cfg.Consumer.Group.Heartbeat.Interval = groupHeartbeat
	cfg.Consumer.Group.Rebalance.Timeout = groupRebalance
	cfg.Consumer.Group.Rebalance.Retry.Backoff = 200 * time.Millisecond
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{sarama.NewBalanceStrategyRange()}
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cfg.Consumer.Return.Errors = true
	cfg.Metadata.Retry.Backoff = 100 * time.Millisecond
	g, err := sarama.NewConsumerGroup([]string{c.Bootstrap}, c.Group, cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &saramaHandler{m: m, topic: c.Topic}
	done := make(chan struct{})
	go func() {
		for err := range g.Errors() {
			m.err("%v", err)
		}
	}()
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{c.Topic}, h); err != nil {
				if errors.Is(err, sarama.ErrClosedConsumerGroup) {
					return
				}
				m.err("Consume: %v", err)
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}()
	var once sync.Once
	stop := func(kill bool) {
		once.Do(func() {
			if kill {
				ks.kill()
			}
			cancel()
			<-done
			closed := make(chan struct{})
			go func() { g.Close(); close(closed) }() // Close leaves the group
			if !kill {
				<-closed
				return
			}
			select {
			case <-closed:
			case <-time.After(5 * time.Second):
			}
		})
	}
	m.closeFn = func() error { stop(false); return nil }
	m.killFn = func() { stop(true) }
	t.Cleanup(func() { stop(true) })
	recordVersion("sarama (groups)", modVersion("github.com/IBM/sarama")+" (Config.Version "+sarama.DefaultVersion.String()+")")
	return m, nil
}

type saramaHandler struct {
	m     *member
	topic string
}

func (h *saramaHandler) Setup(s sarama.ConsumerGroupSession) error {
	claims := s.Claims()
	h.m.setAssigned(h.topic, claims[h.topic])
	return nil
}

func (h *saramaHandler) Cleanup(s sarama.ConsumerGroupSession) error {
	h.m.removeAssigned(s.Claims())
	return nil
}

func (h *saramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for {
		select {
		case <-s.Context().Done():
			return nil
		case msg, ok := <-c.Messages():
			if !ok {
				return nil
			}
			h.m.record(groupRec{tp{msg.Topic, msg.Partition}, msg.Offset, string(msg.Key), string(msg.Value)})
			s.MarkMessage(msg, "")
			s.Commit() // synchronous with autocommit off; failures arrive on Errors()
			h.m.commit(tp{msg.Topic, msg.Partition}, msg.Offset+1)
		}
	}
}

// startKafkaGoMember: a kafka-go Reader with GroupID (range balancer),
// FetchMessage + CommitMessages (synchronous: CommitInterval 0). The Reader
// does not expose its assignment, so the member's assignment is the one the
// broker's DescribeGroups reports (member.fromBroker), and the delivery
// checks show whether the Reader consumes exactly that.
func startKafkaGoMember(t *testing.T, c memberConfig) (*member, error) {
	m := newMember(c, "kafka-go")
	m.fromBroker = true
	ks := &killSwitch{}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           []string{c.Bootstrap},
		GroupID:           c.Group,
		Topic:             c.Topic,
		Dialer:            &kafka.Dialer{ClientID: c.Name, Timeout: 10 * time.Second, DialFunc: ks.DialContext},
		SessionTimeout:    groupSession,
		HeartbeatInterval: groupHeartbeat,
		RebalanceTimeout:  groupRebalance,
		JoinGroupBackoff:  200 * time.Millisecond,
		ReadBackoffMin:    50 * time.Millisecond,
		ReadBackoffMax:    200 * time.Millisecond,
		MaxWait:           200 * time.Millisecond,
		StartOffset:       kafka.FirstOffset,
		GroupBalancers:    []kafka.GroupBalancer{kafka.RangeGroupBalancer{}},
		ErrorLogger:       kafka.LoggerFunc(func(f string, a ...any) { m.err(f, a...) }),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			msg, err := r.FetchMessage(ctx)
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, io.EOF) {
					return
				}
				m.err("FetchMessage: %v", err)
				continue
			}
			m.record(groupRec{tp{msg.Topic, int32(msg.Partition)}, msg.Offset, string(msg.Key), string(msg.Value)})
			if err := r.CommitMessages(ctx, msg); err != nil {
				m.err("CommitMessages: %v", err)
				continue
			}
			m.commit(tp{msg.Topic, int32(msg.Partition)}, msg.Offset+1)
		}
	}()
	var once sync.Once
	stop := func(kill bool) {
		once.Do(func() {
			if kill {
				ks.kill()
			}
			closed := make(chan struct{})
			go func() { r.Close(); close(closed) }() // Close leaves the group
			if kill {
				select {
				case <-closed:
				case <-time.After(5 * time.Second):
				}
			} else {
				<-closed
			}
			cancel()
			<-done
		})
	}
	m.closeFn = func() error { stop(false); return nil }
	m.killFn = func() { stop(true) }
	t.Cleanup(func() { stop(true) })
	recordVersion("kafka-go (groups)", modVersion("github.com/segmentio/kafka-go"))
	return m, nil
}

// startConfluentMember runs python/group_member.py.
func startConfluentMember(t *testing.T, c memberConfig) (*member, error) {
	return startProcMember(t, c, "confluent-kafka-python",
		[]string{"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"}, pythonBin(), filepath.Join("python", "group_member.py"))
}

// startKafkaJSMember runs js/group_member.js.
func startKafkaJSMember(t *testing.T, c memberConfig) (*member, error) {
	if _, err := os.Stat(filepath.Join("js", "node_modules", "kafkajs", "package.json")); err != nil {
		return nil, fmt.Errorf("kafkajs is not installed in test/compat/js/node_modules (run scripts/deps.sh): %v", err)
	}
	return startProcMember(t, c, "kafkajs", nil, "node", filepath.Join("js", "group_member.js"))
}

// procEvent is one JSON line of a member script (see the scripts' docs).
type procEvent struct {
	Ev  string  `json:"ev"`
	T   string  `json:"t"`
	P   any     `json:"p"` // a partition, or a list of them
	O   int64   `json:"o"`
	K   *string `json:"k"`
	V   string  `json:"v"`
	Msg string  `json:"msg"`
}

func (e procEvent) partitions() []int32 {
	switch p := e.P.(type) {
	case float64:
		return []int32{int32(p)}
	case []any:
		out := make([]int32, 0, len(p))
		for _, x := range p {
			if f, ok := x.(float64); ok {
				out = append(out, int32(f))
			}
		}
		return out
	}
	return nil
}

// lockedBuffer is stderr of a child, read by the test on failure.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startProcMember runs a member script: `name args... CONFIG.json`.
func startProcMember(t *testing.T, c memberConfig, client string, env []string, name string, args ...string) (*member, error) {
	if _, err := exec.LookPath(name); err != nil {
		return nil, fmt.Errorf("%s is not installed (run scripts/deps.sh): %v", name, err)
	}
	conf, _ := json.Marshal(map[string]any{
		"bootstrap": c.Bootstrap, "name": c.Name, "group": c.Group, "topic": c.Topic,
		"session_ms": groupSession.Milliseconds(), "heartbeat_ms": groupHeartbeat.Milliseconds(),
		"rebalance_ms": groupRebalance.Milliseconds(), "debug": os.Getenv("COMPAT_DEBUG") != "",
	})
	dir, err := os.MkdirTemp("", "samsa-compat-member-")
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "member.json")
	if err := os.WriteFile(path, conf, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(name, append(args, path)...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	m := newMember(c, client)
	done := make(chan struct{})
	var waitErr error
	closed := false
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e procEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				m.err("not an event line: %q", sc.Text())
				continue
			}
			switch e.Ev {
			case "assigned":
				m.setAssigned(e.T, e.partitions())
			case "revoked":
				m.removeAssigned(map[string][]int32{e.T: e.partitions()})
			case "rec":
				k := ""
				if e.K != nil {
					k = *e.K
				}
				m.record(groupRec{tp{e.T, e.partitions()[0]}, e.O, k, e.V})
			case "committed":
				m.commit(tp{e.T, e.partitions()[0]}, e.O)
			case "err":
				m.err("%s", e.Msg)
			case "version":
				recordVersion(client+" (groups)", e.V)
			case "closed":
				closed = true
			}
		}
		io.Copy(io.Discard, stdout)
		waitErr = cmd.Wait()
	}()
	var once sync.Once
	var closeErr error
	stop := func(kill bool) {
		once.Do(func() {
			if kill {
				cmd.Process.Kill() // SIGKILL: no LeaveGroup
				<-done
				return
			}
			io.WriteString(stdin, "close\n")
			select {
			case <-done:
				if waitErr != nil || !closed {
					closeErr = fmt.Errorf("%s exited with %v (closed cleanly: %v); stderr:\n%s", name, waitErr, closed, lastBytes(stderr.String(), 4<<10))
				}
			case <-time.After(stepTimeout):
				cmd.Process.Kill()
				<-done
				closeErr = fmt.Errorf("%s did not close within %v; stderr:\n%s", name, stepTimeout, lastBytes(stderr.String(), 4<<10))
			}
		})
	}
	m.closeFn = func() error { stop(false); return closeErr }
	m.killFn = func() { stop(true) }
	t.Cleanup(func() {
		stop(true)
		if t.Failed() || os.Getenv("COMPAT_DEBUG") != "" {
			if s := strings.TrimSpace(stderr.String()); s != "" {
				t.Logf("%s (%s) stderr:\n%s", c.Name, client, lastBytes(s, logLimit()))
			}
		}
	})
	return m, nil
}

// kcatGroupClient is kcat's balanced consumer (`kcat -G`, librdkafka's
// KafkaConsumer with its default range,roundrobin assignors and auto
// commit every 100 ms). It runs in the scenarios that need no commit
// reports (TestGroupRebalance, TestGroupSeedExample).
var kcatGroupClient = groupClient{name: "kcat", start: startKcatMember}

// startKcatMember runs `kcat -G GROUP -u TOPIC` printing each record (unbuffered) as
// "topic|partition|offset|key|value". kcat prints its assignment only as
// free text on stderr, so the member's assignment is the broker's
// (member.fromBroker) and the delivery checks show that kcat consumes
// exactly that. Close is SIGTERM (kcat closes the consumer, which leaves
// the group); kill is SIGKILL.
func startKcatMember(t *testing.T, c memberConfig) (*member, error) {
	if _, err := exec.LookPath("kcat"); err != nil {
		return nil, fmt.Errorf("kcat is not installed (run scripts/deps.sh): %v", err)
	}
	args := []string{"-b", c.Bootstrap, "-G", c.Group, "-u", "-o", "beginning", "-f", `%t|%p|%o|%k|%s\n`,
		"-X", "client.id=" + c.Name,
		"-X", fmt.Sprintf("session.timeout.ms=%d", groupSession.Milliseconds()),
		"-X", fmt.Sprintf("heartbeat.interval.ms=%d", groupHeartbeat.Milliseconds()),
		"-X", fmt.Sprintf("max.poll.interval.ms=%d", groupRebalance.Milliseconds()),
		"-X", "auto.commit.interval.ms=100", c.Topic}
	cmd := exec.Command("kcat", args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	m := newMember(c, "kcat")
	m.fromBroker = true
	done := make(chan struct{})
	var waitErr error
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			f := strings.SplitN(sc.Text(), "|", 5)
			if len(f) != 5 {
				m.err("kcat output %q", sc.Text())
				continue
			}
			var p int32
			var o int64
			fmt.Sscan(f[1], &p)
			fmt.Sscan(f[2], &o)
			m.record(groupRec{tp{f[0], p}, o, f[3], f[4]})
		}
		waitErr = cmd.Wait()
	}()
	var once sync.Once
	var closeErr error
	stop := func(sig os.Signal) {
		once.Do(func() {
			cmd.Process.Signal(sig)
			select {
			case <-done:
			case <-time.After(stepTimeout):
				cmd.Process.Kill()
				<-done
				closeErr = fmt.Errorf("kcat did not exit within %v of %v; stderr:\n%s", stepTimeout, sig, lastBytes(stderr.String(), 4<<10))
			}
		})
	}
	m.closeFn = func() error { stop(syscall.SIGTERM); return closeErr }
	m.killFn = func() { stop(syscall.SIGKILL) }
	t.Cleanup(func() {
		stop(syscall.SIGKILL)
		if t.Failed() || os.Getenv("COMPAT_DEBUG") != "" {
			t.Logf("%s (kcat, exit %v) stderr:\n%s", c.Name, waitErr, lastBytes(stderr.String(), logLimit()))
		}
	})
	recordVersion("kcat (groups)", "kcat -G")
	return m, nil
}
