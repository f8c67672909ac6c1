package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestTableConsistent checks the declarative table against itself: the
// invariants the rest of the package relies on without checking at run time.
func TestTableConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, table := range [][]Key{brokerKeys, topicKeys} {
		for i := range table {
			k := &table[i]
			t.Run(k.Name, func(t *testing.T) {
				if seen[k.Name] {
					t.Fatalf("%q is in the table twice", k.Name)
				}
				seen[k.Name] = true
				if k.Type == TypeUnknown || k.Scope == 0 {
					t.Fatalf("missing type or scope")
				}
				if k.Doc == "" || !strings.HasSuffix(k.Doc, ".") {
					t.Errorf("doc %q must be a sentence", k.Doc)
				}
				if k.Required && !k.NoDefault {
					t.Errorf("required keys have no default")
				}
				if !k.NoDefault {
					if _, err := parse(k, k.Default); err != nil {
						t.Errorf("default %q does not pass its own type and validator: %v", k.Default, err)
					}
				} else if k.Default != "" {
					t.Errorf("NoDefault key has default %q", k.Default)
				}
				if strings.HasPrefix(k.Name, "samsa.") && !strings.HasPrefix(k.Doc, "Samsa-specific") {
					t.Errorf("samsa.* keys say they are Samsa-specific")
				}
				for _, f := range k.Fallbacks {
					fk := lookupKey(f)
					switch {
					case fk == nil || fk.Scope&ScopeBroker == 0:
						t.Errorf("fallback %q is not a broker key", f)
					case goKind(fk.Type) != goKind(k.Type):
						t.Errorf("fallback %q has type %s, incompatible with %s", f, fk.Type, k.Type)
					case unit(f) < unit(k.Name):
						t.Errorf("fallback %q is finer than %q; conversion would lose precision", f, k.Name)
					}
				}
				if k.BrokerKey != "" {
					bk := lookupKey(k.BrokerKey)
					switch {
					case k.Scope&ScopeTopic == 0:
						t.Errorf("BrokerKey on a broker-only key")
					case bk == nil || bk.Scope&ScopeBroker == 0:
						t.Errorf("BrokerKey %q is not a broker key", k.BrokerKey)
					case goKind(bk.Type) != goKind(k.Type) || unit(bk.Name) != unit(k.Name):
						t.Errorf("BrokerKey %q (%s) does not match %q (%s) in type or unit", bk.Name, bk.Type, k.Name, k.Type)
					}
				}
				if k.Scope == ScopeBroker|ScopeTopic && k.BrokerKey != k.Name {
					t.Errorf("a key in both scopes is its own broker key")
				}
				if k.Scope&ScopeTopic != 0 && k.Fallbacks != nil {
					t.Errorf("topic keys take defaults through BrokerKey, not Fallbacks")
				}
			})
		}
	}
}

func goKind(t Type) string {
	switch t {
	case TypeInt, TypeShort, TypeLong:
		return "int64"
	case TypeString, TypePassword, TypeClass:
		return "string"
	}
	return t.String()
}

// TestTopicDefaultsMatchKafka: each topic key's documented default is what
// its broker key gives when nothing is configured, so the topic table and
// the broker table agree.
func TestTopicDefaultsMatchKafka(t *testing.T) {
	defaults := (&Broker{}).TopicDefaults()
	for _, k := range TopicKeys() {
		if got := defaults[k.Name]; got != k.Default {
			t.Errorf("%s: broker default gives %q, topic table documents %q", k.Name, got, k.Default)
		}
	}
}

// TestRequiredKeysPresent lists the keys the broker and the operators rely
// on, so removing one from the table is a conscious change.
func TestRequiredKeysPresent(t *testing.T) {
	broker := []string{
		"node.id", "process.roles", "listeners", "advertised.listeners", "listener.security.protocol.map",
		"controller.listener.names", "inter.broker.listener.name", "controller.quorum.voters", "log.dirs", "log.dir",
		"num.partitions", "default.replication.factor", "auto.create.topics.enable", "delete.topic.enable",
		"log.retention.hours", "log.retention.minutes", "log.retention.ms", "log.retention.bytes", "log.segment.bytes",
		"log.roll.hours", "log.roll.ms", "log.retention.check.interval.ms", "log.flush.scheduler.interval.ms",
		"log.flush.offset.checkpoint.interval.ms", "log.flush.interval.messages", "log.flush.interval.ms",
		"num.recovery.threads.per.data.dir", "message.max.bytes", "socket.request.max.bytes", "socket.send.buffer.bytes",
		"socket.receive.buffer.bytes", "max.connections", "max.connections.per.ip", "connections.max.idle.ms",
		"num.network.threads", "num.io.threads", "offsets.topic.num.partitions", "offsets.topic.replication.factor",
		"offsets.retention.minutes", "group.initial.rebalance.delay.ms", "group.min.session.timeout.ms",
		"group.max.session.timeout.ms", "group.max.size", "transactional.id.expiration.ms", "producer.id.expiration.ms",
		"transaction.state.log.num.partitions", "min.insync.replicas", "broker.rack", "cluster.id", "metadata.log.dir",
		"samsa.admin.listener", "samsa.acks.all.durable", "samsa.flush.group.commit.interval.ms",
		"compression.type", "unclean.leader.election.enable", "log.cleanup.policy", "log.message.timestamp.type",
		"log.roll.jitter.ms", "log.index.interval.bytes", "log.index.size.max.bytes", "log.segment.delete.delay.ms",
		"log.message.timestamp.before.max.ms", "log.message.timestamp.after.max.ms",
	}
	topic := []string{
		"cleanup.policy", "compression.type", "delete.retention.ms", "file.delete.delay.ms", "flush.messages",
		"flush.ms", "index.interval.bytes", "max.message.bytes", "message.timestamp.type",
		"message.timestamp.before.max.ms", "message.timestamp.after.max.ms", "min.cleanable.dirty.ratio",
		"min.compaction.lag.ms", "max.compaction.lag.ms", "min.insync.replicas", "preallocate", "retention.bytes",
		"retention.ms", "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms",
		"unclean.leader.election.enable", "message.downconversion.enable",
	}
	for _, n := range broker {
		if k, ok := Lookup(n); !ok || k.Scope&ScopeBroker == 0 {
			t.Errorf("broker key %q missing", n)
		}
	}
	for _, n := range topic {
		if k, ok := Lookup(n); !ok || k.Scope&ScopeTopic == 0 {
			t.Errorf("topic key %q missing", n)
		}
	}
	synonyms := map[string]string{
		"retention.ms": "log.retention.ms", "segment.bytes": "log.segment.bytes", "max.message.bytes": "message.max.bytes",
		"message.timestamp.type": "log.message.timestamp.type", "cleanup.policy": "log.cleanup.policy",
		"flush.messages": "log.flush.interval.messages", "flush.ms": "log.flush.interval.ms", "segment.ms": "log.roll.ms",
		"segment.jitter.ms": "log.roll.jitter.ms", "index.interval.bytes": "log.index.interval.bytes",
		"segment.index.bytes": "log.index.size.max.bytes", "retention.bytes": "log.retention.bytes",
		"file.delete.delay.ms": "log.segment.delete.delay.ms", "compression.type": "compression.type",
		"min.insync.replicas": "min.insync.replicas", "unclean.leader.election.enable": "unclean.leader.election.enable",
		"message.timestamp.before.max.ms": "log.message.timestamp.before.max.ms",
		"message.timestamp.after.max.ms":  "log.message.timestamp.after.max.ms",
	}
	for topicKey, brokerKey := range synonyms {
		if k, _ := Lookup(topicKey); k.BrokerKey != brokerKey {
			t.Errorf("%s: broker key %q, want %q", topicKey, k.BrokerKey, brokerKey)
		}
	}
}

func TestLookupAndLists(t *testing.T) {
	k, ok := Lookup("log.retention.ms")
	if !ok || k.Type != TypeLong || !k.Dynamic || k.Scope != ScopeBroker {
		t.Fatalf("Lookup(log.retention.ms) = %+v, %v", k, ok)
	}
	// The returned key is a copy: changing it leaves the table alone.
	k.Fallbacks[0] = "changed"
	if again, _ := Lookup("log.retention.ms"); again.Fallbacks[0] != "log.retention.minutes" {
		t.Fatal("Lookup exposed the table's Fallbacks slice")
	}
	if _, ok := Lookup("no.such.key"); ok {
		t.Fatal("Lookup found an unknown key")
	}
	pw, _ := Lookup("ssl.keystore.password")
	if !pw.Sensitive() || !pw.ReadOnly() {
		t.Errorf("ssl.keystore.password: sensitive %v read-only %v", pw.Sensitive(), pw.ReadOnly())
	}

	names := func(ks []Key) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Name)
		}
		return out
	}
	b, tk := names(BrokerKeys()), names(TopicKeys())
	if !slices.IsSorted(b) || !slices.IsSorted(tk) {
		t.Error("BrokerKeys and TopicKeys are sorted by name")
	}
	for _, both := range []string{"compression.type", "min.insync.replicas", "unclean.leader.election.enable"} {
		if !slices.Contains(b, both) || !slices.Contains(tk, both) {
			t.Errorf("%s is in both lists", both)
		}
	}
	if slices.Contains(b, "retention.ms") || slices.Contains(tk, "log.retention.ms") {
		t.Error("scopes are mixed up")
	}
	if len(b)+len(tk) != len(brokerKeys)+len(topicKeys)+3 {
		t.Errorf("every key is in exactly the lists of its scopes")
	}
}

func TestTypeAndSourceNumbers(t *testing.T) {
	// Kafka's wire numbers; the api package copies these unchanged.
	types := map[Type]int8{TypeBoolean: 1, TypeString: 2, TypeInt: 3, TypeShort: 4, TypeLong: 5,
		TypeDouble: 6, TypeList: 7, TypeClass: 8, TypePassword: 9}
	for ty, n := range types {
		if int8(ty) != n || ty.String() == "unknown" {
			t.Errorf("%v = %d, want %d", ty, ty, n)
		}
	}
	sources := map[Source]string{SourceUnknown: "UNKNOWN", SourceDynamicTopic: "DYNAMIC_TOPIC_CONFIG",
		SourceDynamicBroker: "DYNAMIC_BROKER_CONFIG", SourceDynamicDefaultBroker: "DYNAMIC_DEFAULT_BROKER_CONFIG",
		SourceStaticBroker: "STATIC_BROKER_CONFIG", SourceDefault: "DEFAULT_CONFIG",
		SourceDynamicBrokerLogger: "DYNAMIC_BROKER_LOGGER_CONFIG", SourceClientMetrics: "CLIENT_METRICS_CONFIG",
		SourceGroup: "GROUP_CONFIG"}
	for s, name := range sources {
		if s.String() != name {
			t.Errorf("Source %d is %s, want %s", s, s, name)
		}
	}
	if int8(SourceGroup) != 8 || int8(SourceDefault) != 5 {
		t.Error("Source numbers drifted from Kafka's")
	}
	if got := (ScopeBroker | ScopeTopic).String(); got != "broker,topic" {
		t.Errorf("scope string %q", got)
	}
}

func TestParseTypes(t *testing.T) {
	key := func(ty Type, v Validator) *Key { return &Key{Name: "k", Type: ty, Validator: v} }
	tests := []struct {
		k       *Key
		in      string
		want    any
		wantErr string
	}{
		{key(TypeBoolean, nil), " TRUE ", true, ""},
		{key(TypeBoolean, nil), "False", false, ""},
		{key(TypeBoolean, nil), "yes", nil, "must be true or false"},
		{key(TypeInt, nil), " 42 ", int64(42), ""},
		{key(TypeInt, nil), "2147483648", nil, "32-bit integer (int)"},
		{key(TypeInt, nil), "1.5", nil, "32-bit integer"},
		{key(TypeShort, nil), "32768", nil, "16-bit integer (short)"},
		{key(TypeLong, nil), "9223372036854775807", int64(1<<63 - 1), ""},
		{key(TypeLong, nil), "1e3", nil, "64-bit integer (long)"},
		{key(TypeDouble, nil), "0.25", 0.25, ""},
		{key(TypeDouble, nil), "NaN", nil, "must be a number"},
		{key(TypeList, nil), " a , b ", []string{"a", "b"}, ""},
		{key(TypeList, nil), "", []string{}, ""},
		{key(TypeList, nil), "a,,b", nil, "without empty elements"},
		{key(TypeString, nil), "  x y  ", "x y", ""},
		{key(TypeInt, atLeast(1)), "0", nil, "must be at least 1"},
		{key(TypeInt, between(1, 3)), "4", nil, "must be between 1 and 3"},
		{key(TypeDouble, betweenFloat(0, 1)), "1.5", nil, "must be between 0 and 1"},
		{key(TypeString, oneOf{"a", "b"}), "A", nil, "must be one of [a, b]"},
		{key(TypeList, listOf{"a", "b"}), "a,a", nil, `"a" is listed twice`},
		{key(TypeList, listOf{"a", "b"}), "a,c", nil, `"c" is not one of [a, b]`},
		{key(TypeList, listOf{"a", "b"}), "", nil, "at least one of"},
		{key(TypeList, distinct{}), "", nil, "must not be empty"},
		{key(TypeList, distinct{emptyOK: true}), "", []string{}, ""},
	}
	for _, tt := range tests {
		got, err := parse(tt.k, tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parse(%s, %q) error %v, want %q", tt.k.Type, tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parse(%s, %q) = %#v, %v; want %#v", tt.k.Type, tt.in, got, err, tt.want)
		}
	}
}
