package config

import (
	"fmt"
	"strings"
	"testing"
)

func entry(t *testing.T, entries []ConfigEntry, name string) ConfigEntry {
	t.Helper()
	for _, e := range entries {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("no entry %q", name)
	return ConfigEntry{}
}

// synonymsString renders synonyms as name=value(SOURCE) for compact checks.
func synonymsString(ss []Synonym) string {
	var parts []string
	for _, s := range ss {
		v := "<nil>"
		if s.Value != nil {
			v = *s.Value
		}
		parts = append(parts, fmt.Sprintf("%s=%s(%s)", s.Name, v, s.Source))
	}
	return strings.Join(parts, " ")
}

func value(e ConfigEntry) string {
	if e.Value == nil {
		return "<nil>"
	}
	return *e.Value
}

func TestBrokerDescribe(t *testing.T) {
	b := mustBroker(t, with(minimal(), "log.retention.minutes", "30", "ssl.keystore.password", "hunter2",
		"num.partitions", "3"), nil)
	b, err := b.WithDynamic(map[string]string{"max.connections": "10"}, map[string]string{"max.connections": "20"})
	if err != nil {
		t.Fatal(err)
	}
	all := b.Describe()
	if len(all) != len(BrokerKeys()) {
		t.Errorf("%d entries for %d broker keys", len(all), len(BrokerKeys()))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Name >= all[i].Name {
			t.Fatal("entries are sorted by name")
		}
	}

	tests := []struct {
		name, value string
		source      Source
		readOnly    bool
		synonyms    string
	}{
		{"num.partitions", "3", SourceStaticBroker, true,
			"num.partitions=3(STATIC_BROKER_CONFIG) num.partitions=1(DEFAULT_CONFIG)"},
		{"num.io.threads", "8", SourceDefault, false, "num.io.threads=8(DEFAULT_CONFIG)"},
		{"log.retention.ms", "1800000", SourceStaticBroker, false,
			"log.retention.minutes=30(STATIC_BROKER_CONFIG) log.retention.hours=168(DEFAULT_CONFIG)"},
		{"log.retention.hours", "168", SourceDefault, true, "log.retention.hours=168(DEFAULT_CONFIG)"},
		{"broker.rack", "<nil>", SourceDefault, true, ""},
		{"max.connections", "10", SourceDynamicBroker, false,
			"max.connections=10(DYNAMIC_BROKER_CONFIG) max.connections=20(DYNAMIC_DEFAULT_BROKER_CONFIG) max.connections=2147483647(DEFAULT_CONFIG)"},
		{"ssl.keystore.password", "<nil>", SourceStaticBroker, true, "ssl.keystore.password=<nil>(STATIC_BROKER_CONFIG)"},
		{"ssl.key.password", "<nil>", SourceDefault, true, ""},
	}
	for _, tt := range tests {
		e := entry(t, all, tt.name)
		if value(e) != tt.value || e.Source != tt.source || e.ReadOnly != tt.readOnly || synonymsString(e.Synonyms) != tt.synonyms {
			t.Errorf("%s: value %s source %s read-only %v synonyms [%s]\nwant value %s source %s read-only %v synonyms [%s]",
				tt.name, value(e), e.Source, e.ReadOnly, synonymsString(e.Synonyms), tt.value, tt.source, tt.readOnly, tt.synonyms)
		}
	}
	pw := entry(t, all, "ssl.keystore.password")
	if !pw.Sensitive || pw.Type != TypePassword {
		t.Errorf("password entry: %+v", pw)
	}
	if e := entry(t, all, "num.partitions"); e.Type != TypeInt || e.Doc == "" || e.Sensitive {
		t.Errorf("entry metadata: %+v", e)
	}
	for _, e := range all {
		if strings.Contains(value(e), "hunter2") || strings.Contains(synonymsString(e.Synonyms), "hunter2") {
			t.Fatalf("password shown in %s", e.Name)
		}
	}
}

func TestTopicDescribe(t *testing.T) {
	b := mustBroker(t, with(minimal(), "log.retention.hours", "2", "compression.type", "lz4"), nil)
	b, err := b.WithDynamic(nil, map[string]string{"log.segment.bytes": "2097152"})
	if err != nil {
		t.Fatal(err)
	}
	all := EffectiveTopicConfig(b, map[string]string{"retention.ms": "1000", "min.insync.replicas": "2"}).Describe()
	if len(all) != len(TopicKeys()) {
		t.Errorf("%d entries for %d topic keys", len(all), len(TopicKeys()))
	}

	tests := []struct {
		name, value string
		source      Source
		synonyms    string
	}{
		{"retention.ms", "1000", SourceDynamicTopic,
			"retention.ms=1000(DYNAMIC_TOPIC_CONFIG) log.retention.hours=2(STATIC_BROKER_CONFIG) log.retention.hours=168(DEFAULT_CONFIG)"},
		{"segment.bytes", "2097152", SourceDynamicDefaultBroker,
			"log.segment.bytes=2097152(DYNAMIC_DEFAULT_BROKER_CONFIG) log.segment.bytes=1073741824(DEFAULT_CONFIG)"},
		{"compression.type", "lz4", SourceStaticBroker,
			"compression.type=lz4(STATIC_BROKER_CONFIG) compression.type=producer(DEFAULT_CONFIG)"},
		{"min.insync.replicas", "2", SourceDynamicTopic,
			"min.insync.replicas=2(DYNAMIC_TOPIC_CONFIG) min.insync.replicas=1(DEFAULT_CONFIG)"},
		{"segment.ms", "604800000", SourceDefault, "log.roll.hours=168(DEFAULT_CONFIG)"},
		{"flush.ms", "9223372036854775807", SourceDefault, "log.flush.scheduler.interval.ms=9223372036854775807(DEFAULT_CONFIG)"},
		{"message.downconversion.enable", "true", SourceDefault, ""},
	}
	for _, tt := range tests {
		e := entry(t, all, tt.name)
		if value(e) != tt.value || e.Source != tt.source || synonymsString(e.Synonyms) != tt.synonyms || e.ReadOnly {
			t.Errorf("%s: value %s source %s synonyms [%s] read-only %v\nwant value %s source %s synonyms [%s]",
				tt.name, value(e), e.Source, synonymsString(e.Synonyms), e.ReadOnly, tt.value, tt.source, tt.synonyms)
		}
	}
	if e := entry(t, all, "cleanup.policy"); e.Type != TypeList || e.Doc == "" {
		t.Errorf("entry metadata: %+v", e)
	}
}
