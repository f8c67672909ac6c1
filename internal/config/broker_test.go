package config

import (
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest valid configuration: one node running both roles.
func minimal() map[string]string {
	return map[string]string{
		"node.id":                   "1",
		"process.roles":             "broker,controller",
		"listeners":                 "PLAINTEXT://:9092,CONTROLLER://:9093",
		"controller.listener.names": "CONTROLLER",
	}
}

func with(base map[string]string, kv ...string) map[string]string {
	m := maps.Clone(base)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

func mustBroker(t *testing.T, props, overrides map[string]string) *Broker {
	t.Helper()
	b, err := NewBroker(props, overrides)
	if err != nil {
		t.Fatalf("NewBroker: %v", err)
	}
	return b
}

func TestNewBrokerDefaults(t *testing.T) {
	b := mustBroker(t, minimal(), nil)
	if b.NodeID != 1 || !b.IsBroker() || !b.IsController() {
		t.Errorf("node %d roles %v", b.NodeID, b.Roles)
	}
	if !slices.Equal(b.LogDirs, []string{"/tmp/kafka-logs"}) || b.MetadataLogDir != "/tmp/kafka-logs" {
		t.Errorf("log dirs %v, metadata %q", b.LogDirs, b.MetadataLogDir)
	}
	if b.AdminListener != "127.0.0.1:9644" || b.ClusterID != "" || b.Rack != "" {
		t.Errorf("admin %q cluster %q rack %q", b.AdminListener, b.ClusterID, b.Rack)
	}
	if got := b.Int("num.partitions"); got != 1 {
		t.Errorf("num.partitions %d", got)
	}
	if got := b.Int("message.max.bytes"); got != 1048588 {
		t.Errorf("message.max.bytes %d", got)
	}
	if !b.Bool("samsa.acks.all.durable") || b.Int("samsa.flush.group.commit.interval.ms") != 0 {
		t.Error("Samsa durability defaults: acks=all durable, sync immediately")
	}
	if got := b.Double("log.cleaner.min.cleanable.ratio"); got != 0.5 {
		t.Errorf("min cleanable ratio %v", got)
	}
	if got := b.List("log.cleanup.policy"); !slices.Equal(got, []string{"delete"}) {
		t.Errorf("cleanup policy %v", got)
	}
	if got := b.String("log.message.timestamp.type"); got != "CreateTime" {
		t.Errorf("timestamp type %q", got)
	}
	if got := b.Duration("log.retention.ms"); got != 7*24*time.Hour {
		t.Errorf("retention %v", got)
	}
	if got := b.Duration("log.flush.interval.ms"); got != math.MaxInt64 {
		t.Errorf("flush interval %v, want saturated", got)
	}
	if v, ok := b.Value("broker.rack"); ok || v != "" {
		t.Errorf("broker.rack has no value, got %q %v", v, ok)
	}
	if b.String("ssl.keystore.password") != "" {
		t.Error("unset password is empty")
	}
}

// TestPrecedence covers Kafka's synonym rules: the more precise key wins
// wherever it is set, and each broker key falls back in order.
func TestPrecedence(t *testing.T) {
	tests := []struct {
		name string
		kv   []string
		key  string
		want int64
	}{
		{"retention default is 168 hours", nil, "log.retention.ms", 604800000},
		{"hours", []string{"log.retention.hours", "1"}, "log.retention.ms", 3600000},
		{"minutes beat hours", []string{"log.retention.hours", "1", "log.retention.minutes", "2"}, "log.retention.ms", 120000},
		{"ms beats minutes and hours", []string{"log.retention.hours", "1", "log.retention.minutes", "2", "log.retention.ms", "3"}, "log.retention.ms", 3},
		{"ms beats hours", []string{"log.retention.hours", "1", "log.retention.ms", "3"}, "log.retention.ms", 3},
		{"minutes falls back to hours", []string{"log.retention.hours", "2"}, "log.retention.minutes", 120},
		{"negative hours is unlimited", []string{"log.retention.hours", "-1"}, "log.retention.ms", -1},
		{"negative minutes is unlimited", []string{"log.retention.minutes", "-5"}, "log.retention.ms", -1},
		{"negative ms is unlimited", []string{"log.retention.ms", "-7"}, "log.retention.ms", -1},
		{"hours alone keep their unit", []string{"log.retention.hours", "5"}, "log.retention.hours", 5},
		{"roll default", nil, "log.roll.ms", 604800000},
		{"roll hours", []string{"log.roll.hours", "2"}, "log.roll.ms", 7200000},
		{"roll ms beats hours", []string{"log.roll.hours", "2", "log.roll.ms", "5000"}, "log.roll.ms", 5000},
		{"jitter hours", []string{"log.roll.jitter.hours", "1"}, "log.roll.jitter.ms", 3600000},
		{"flush interval falls back to scheduler", []string{"log.flush.scheduler.interval.ms", "1000"}, "log.flush.interval.ms", 1000},
		{"flush interval set", []string{"log.flush.scheduler.interval.ms", "1000", "log.flush.interval.ms", "10"}, "log.flush.interval.ms", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mustBroker(t, with(minimal(), tt.kv...), nil)
			if got := b.Int(tt.key); got != tt.want {
				t.Errorf("%s = %d, want %d", tt.key, got, tt.want)
			}
		})
	}

	b := mustBroker(t, with(minimal(), "log.dir", "/a", "log.dirs", "/b,/c"), nil)
	if !slices.Equal(b.LogDirs, []string{"/b", "/c"}) || b.MetadataLogDir != "/b" {
		t.Errorf("log.dirs beats log.dir: %v, metadata %q", b.LogDirs, b.MetadataLogDir)
	}
	b = mustBroker(t, with(minimal(), "log.dir", "/a", "metadata.log.dir", "/m"), nil)
	if !slices.Equal(b.LogDirs, []string{"/a"}) || b.MetadataLogDir != "/m" {
		t.Errorf("log.dir alone: %v, metadata %q", b.LogDirs, b.MetadataLogDir)
	}
}

func TestOverrides(t *testing.T) {
	props := with(minimal(), "num.partitions", "3", "log.retention.hours", "1")
	b := mustBroker(t, props, map[string]string{"num.partitions": "6", "node.id": "7",
		"controller.quorum.voters": "7@localhost:9093"})
	if b.Int("num.partitions") != 6 || b.NodeID != 7 {
		t.Errorf("flags override the file: partitions %d node %d", b.Int("num.partitions"), b.NodeID)
	}
	if b.Int("log.retention.ms") != 3600000 {
		t.Error("keys the flags do not name keep the file's value")
	}
	// A flag can fix an invalid file value; the file value is never parsed.
	if _, err := NewBroker(with(minimal(), "num.partitions", "zero"), map[string]string{"num.partitions": "2"}); err != nil {
		t.Errorf("override of an invalid value: %v", err)
	}
	// The inputs are not modified.
	if props["num.partitions"] != "3" || len(props) != 6 {
		t.Error("NewBroker modified its input")
	}
	if _, err := NewBroker(nil, minimal()); err != nil {
		t.Errorf("flags alone: %v", err)
	}
}

func TestUnknownKeysWarn(t *testing.T) {
	b := mustBroker(t, with(minimal(), "zookeeper.connect", "localhost:2181", "retention.ms", "1000",
		"listener.name.sasl_ssl.plain.sasl.jaas.config", "secret stuff"), nil)
	w := b.Warnings()
	if len(w) != 3 {
		t.Fatalf("warnings %q", w)
	}
	if !strings.Contains(strings.Join(w, "\n"), `ignoring unknown config "zookeeper.connect"`) {
		t.Errorf("warnings %q", w)
	}
	if !strings.Contains(strings.Join(w, "\n"), `"retention.ms": it is a topic config; its broker-wide default is "log.retention.ms"`) {
		t.Errorf("a topic key in server.properties points at its broker key: %q", w)
	}
	if v, ok := b.Value("listener.name.sasl_ssl.plain.sasl.jaas.config"); !ok || v != "secret stuff" {
		t.Errorf("unknown keys are kept: %q %v", v, ok)
	}
	if u := b.Unknown(); len(u) != 3 || u["zookeeper.connect"] != "localhost:2181" {
		t.Errorf("Unknown() = %v", u)
	}
	if b.Int("log.retention.ms") != 604800000 {
		t.Error("a topic key in server.properties has no effect")
	}
}

// TestInvalidValues: every bad value is an error naming the key, the value
// and what is allowed, and all of them are reported at once.
func TestInvalidValues(t *testing.T) {
	tests := []struct {
		kv   []string
		want string
	}{
		{[]string{"num.partitions", "many"}, `invalid value "many" for "num.partitions": must be a 32-bit integer (int)`},
		{[]string{"num.partitions", "0"}, `invalid value "0" for "num.partitions": must be at least 1`},
		{[]string{"node.id", "-1"}, `invalid value "-1" for "node.id": must be at least 0`},
		{[]string{"log.retention.ms", "9223372036854775808"}, `"log.retention.ms": must be a 64-bit integer (long)`},
		{[]string{"offsets.topic.replication.factor", "40000"}, `must be a 16-bit integer (short)`},
		{[]string{"auto.create.topics.enable", "yes"}, `invalid value "yes" for "auto.create.topics.enable": must be true or false`},
		{[]string{"log.message.timestamp.type", "createtime"}, `must be one of [CreateTime, LogAppendTime]`},
		{[]string{"compression.type", "brotli"}, `invalid value "brotli" for "compression.type": must be one of [producer, uncompressed, gzip, snappy, lz4, zstd]`},
		{[]string{"log.cleanup.policy", "delete,archive"}, `"archive" is not one of [delete, compact]`},
		{[]string{"process.roles", "broker,broker"}, `"broker" is listed twice`},
		{[]string{"process.roles", "worker"}, `"worker" is not one of [broker, controller]`},
		{[]string{"log.cleaner.min.cleanable.ratio", "2"}, `must be between 0 and 1`},
		{[]string{"log.segment.bytes", "1000"}, `must be at least 1048576`},
		{[]string{"log.dirs", "/a,/a"}, `"/a" is listed twice`},
		{[]string{"cluster.id", "not-a-uuid"}, `"cluster.id": must be a UUID`},
		{[]string{"samsa.admin.listener", "localhost"}, `"samsa.admin.listener": missing :port`},
		{[]string{"controller.quorum.voters", "1@localhost"}, `"1@localhost": missing :port`},
		{[]string{"controller.quorum.voters", "1@a:1,1@b:2"}, `voter id 1 is listed twice`},
		{[]string{"listener.security.protocol.map", "PLAINTEXT:HTTP"}, `protocol of PLAINTEXT: must be one of [PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL]`},
		{[]string{"group.min.session.timeout.ms", "60000", "group.max.session.timeout.ms", "1000"}, `"group.min.session.timeout.ms": must not exceed group.max.session.timeout.ms (1000)`},
		{[]string{"node.id", "<unset>"}, `config: "node.id" must be set: Id of this node`},
		{[]string{"process.roles", "<unset>"}, `"process.roles" must be set`},
	}
	for _, tt := range tests {
		_, err := NewBroker(with(minimal(), tt.kv...), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.kv, err, tt.want)
			continue
		}
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%v: %v does not wrap ErrInvalidConfig", tt.kv, err)
		}
		var e *Error
		if !errors.As(err, &e) || e.Key == "" {
			t.Errorf("%v: no *Error with the key", tt.kv)
		}
	}

	// All invalid values together, in key order.
	_, err := NewBroker(with(minimal(), "num.partitions", "x", "delete.topic.enable", "x", "ssl.key.password", " "), nil)
	msg := err.Error()
	if i, j := strings.Index(msg, "delete.topic.enable"), strings.Index(msg, "num.partitions"); i < 0 || j < 0 || i > j {
		t.Errorf("every error, in key order: %v", err)
	}
}

func TestSensitiveValueHiddenInErrors(t *testing.T) {
	k := &Key{Name: "p", Type: TypePassword, Validator: check{"x", func(any) error { return errors.New("too short") }}}
	err := invalid(k, "hunter2", errors.New("too short"))
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "[hidden]") {
		t.Errorf("password shown in %q", err)
	}
}

func TestAccessorMisuse(t *testing.T) {
	b := mustBroker(t, minimal(), nil)
	for name, f := range map[string]func(){
		"unknown key":   func() { b.Int("no.such.key") },
		"wrong type":    func() { b.Bool("num.partitions") },
		"topic key":     func() { b.Int("retention.ms") },
		"no time unit":  func() { b.Duration("num.partitions") },
		"list as value": func() { b.String("listeners") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
	// List returns a copy.
	l := b.List("process.roles")
	l[0] = "changed"
	if b.List("process.roles")[0] == "changed" {
		t.Error("List exposed internal state")
	}
}

func TestDuration(t *testing.T) {
	b := mustBroker(t, with(minimal(), "log.retention.minutes", "90", "offsets.retention.minutes", "10"), nil)
	if got := b.Duration("log.retention.minutes"); got != 90*time.Minute {
		t.Errorf("minutes %v", got)
	}
	if got := b.Duration("log.retention.hours"); got != 168*time.Hour {
		t.Errorf("hours %v", got)
	}
	if got := b.Duration("log.retention.ms"); got != 90*time.Minute {
		t.Errorf("ms from minutes %v", got)
	}
	if got := b.Duration("offsets.retention.minutes"); got != 10*time.Minute {
		t.Errorf("offsets retention %v", got)
	}
	if got := toDuration(math.MinInt64/2, time.Millisecond); got != math.MinInt64 {
		t.Errorf("negative saturation %v", got)
	}
}

func TestDynamicBrokerConfigs(t *testing.T) {
	b := mustBroker(t, with(minimal(), "log.retention.hours", "1", "message.max.bytes", "2000"), nil)
	d, err := b.WithDynamic(
		map[string]string{"message.max.bytes": "3000"},
		map[string]string{"message.max.bytes": "4000", "log.retention.ms": "5000", "min.insync.replicas": "2"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Int("message.max.bytes") != 3000 || d.Int("log.retention.ms") != 5000 || d.Int("min.insync.replicas") != 2 {
		t.Errorf("per-broker over cluster default over static: %d %d %d",
			d.Int("message.max.bytes"), d.Int("log.retention.ms"), d.Int("min.insync.replicas"))
	}
	if b.Int("message.max.bytes") != 2000 {
		t.Error("WithDynamic modified the original")
	}
	if d.NodeID != b.NodeID || len(d.Listeners) != len(b.Listeners) {
		t.Error("convenience fields are carried over")
	}
	// Each call replaces the previous dynamic layers.
	d2, err := d.WithDynamic(nil, nil)
	if err != nil || d2.Int("message.max.bytes") != 2000 {
		t.Errorf("cleared dynamic layers: %d %v", d2.Int("message.max.bytes"), err)
	}

	err = ValidateBrokerConfigs(map[string]string{
		"listeners": "PLAINTEXT://:1", "no.such": "1", "message.max.bytes": "-1", "retention.ms": "1"})
	for _, want := range []error{ErrReadOnlyConfig, ErrUnknownConfig, ErrInvalidConfig} {
		if !errors.Is(err, want) {
			t.Errorf("%v is not %v", err, want)
		}
	}
	for _, want := range []string{`"listeners" cannot be changed at runtime`, `unknown config "no.such"`,
		`unknown config "retention.ms"`, `invalid value "-1" for "message.max.bytes"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
	if _, err := b.WithDynamic(nil, map[string]string{"node.id": "2"}); !errors.Is(err, ErrReadOnlyConfig) {
		t.Errorf("read-only key accepted dynamically: %v", err)
	}
	if err := ValidateBrokerConfigs(map[string]string{"log.retention.ms": "1", "compression.type": "zstd"}); err != nil {
		t.Error(err)
	}
}

func TestZeroBrokerUsesDefaults(t *testing.T) {
	var b Broker
	if b.Int("num.partitions") != 1 || b.Int("log.retention.ms") != 604800000 {
		t.Error("the zero Broker holds table defaults")
	}
}

// TestRequiredReportedOnce: a required key with a bad value is reported as
// invalid, not also as missing.
func TestRequiredReportedOnce(t *testing.T) {
	_, err := NewBroker(with(minimal(), "node.id", "x"), nil)
	if err == nil || strings.Contains(err.Error(), "must be set") || strings.Count(err.Error(), "node.id") != 1 {
		t.Errorf("error %v", err)
	}
}
