package controller

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/samsa-io/samsa/internal/metadata"
)

func TestAlterConfigs(t *testing.T) {
	t.Parallel()
	opts := testOptions(t.TempDir())
	errBad := errors.New("bad value")
	opts.ValidateTopicConfig = func(cfg map[string]*string) error {
		if v := cfg["segment.bytes"]; v != nil && *v == "0" {
			return errBad
		}
		return nil
	}
	opts.ValidateBrokerConfig = func(cfg map[string]*string) error {
		if _, ok := cfg["broker.id"]; ok {
			return errBad
		}
		return nil
	}
	c := startController(t, opts)
	registerBrokers(t, c, 1)
	createTopic(t, c, "t", 1, 1)
	topic := metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: "t"}
	broker1 := metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: "1"}
	cluster := metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: ""}

	set := func(name, v string) AlterConfig { return AlterConfig{Name: name, Op: ConfigSet, Value: ptr(v)} }
	tests := []struct {
		name         string
		res          metadata.ConfigResource
		configs      []AlterConfig
		incremental  bool
		validateOnly bool
		want         error
		after        map[string]string
	}{
		{"incremental set", topic, []AlterConfig{set("retention.ms", "1"), set("cleanup.policy", "delete")}, true, false, nil,
			map[string]string{"retention.ms": "1", "cleanup.policy": "delete"}},
		{"incremental append", topic, []AlterConfig{{Name: "cleanup.policy", Op: ConfigAppend, Value: ptr("compact, delete")}}, true, false, nil,
			map[string]string{"retention.ms": "1", "cleanup.policy": "delete,compact"}},
		{"incremental subtract", topic, []AlterConfig{{Name: "cleanup.policy", Op: ConfigSubtract, Value: ptr("delete")}}, true, false, nil,
			map[string]string{"retention.ms": "1", "cleanup.policy": "compact"}},
		{"subtract to empty deletes", topic, []AlterConfig{{Name: "cleanup.policy", Op: ConfigSubtract, Value: ptr("compact")}}, true, false, nil,
			map[string]string{"retention.ms": "1"}},
		{"append to unset", topic, []AlterConfig{{Name: "leader.replication.throttled.replicas", Op: ConfigAppend, Value: ptr("0:1")}}, true, false, nil,
			map[string]string{"retention.ms": "1", "leader.replication.throttled.replicas": "0:1"}},
		{"incremental delete", topic, []AlterConfig{{Name: "leader.replication.throttled.replicas", Op: ConfigDelete}, {Name: "unset", Op: ConfigDelete}}, true, false, nil,
			map[string]string{"retention.ms": "1"}},
		{"validate only", topic, []AlterConfig{set("retention.ms", "2")}, true, true, nil,
			map[string]string{"retention.ms": "1"}},
		{"legacy replaces the set", topic, []AlterConfig{{Name: "segment.bytes", Value: ptr("1024")}}, false, false, nil,
			map[string]string{"segment.bytes": "1024"}},
		{"legacy empty clears", topic, nil, false, false, nil, nil},
		{"broker", broker1, []AlterConfig{set("log.cleaner.threads", "2")}, true, false, nil,
			map[string]string{"log.cleaner.threads": "2"}},
		{"cluster default", cluster, []AlterConfig{set("log.retention.ms", "5")}, true, false, nil,
			map[string]string{"log.retention.ms": "5"}},
		{"unregistered broker ID is fine", metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: "7"},
			[]AlterConfig{set("a", "b")}, true, false, nil, map[string]string{"a": "b"}},

		{"unknown topic", metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: "nope"}, []AlterConfig{set("a", "b")}, true, false, ErrUnknownTopic, nil},
		{"bad broker name", metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: "x"}, []AlterConfig{set("a", "b")}, true, false, ErrInvalidRequest, nil},
		{"negative broker", metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: "-1"}, []AlterConfig{set("a", "b")}, true, false, ErrInvalidRequest, nil},
		{"unsupported resource type", metadata.ConfigResource{Type: 8, Name: "x"}, []AlterConfig{set("a", "b")}, true, false, ErrInvalidRequest, nil},
		{"topic validator", topic, []AlterConfig{set("segment.bytes", "0")}, true, false, ErrInvalidConfig, nil},
		{"broker validator", broker1, []AlterConfig{set("broker.id", "3")}, true, false, ErrInvalidConfig, nil},
		{"duplicate key", topic, []AlterConfig{set("a", "1"), set("a", "2")}, true, false, ErrInvalidRequest, nil},
		{"set without value", topic, []AlterConfig{{Name: "a", Op: ConfigSet}}, true, false, ErrInvalidRequest, nil},
		{"unknown op", topic, []AlterConfig{{Name: "a", Op: 9, Value: ptr("1")}}, true, false, ErrInvalidRequest, nil},
		{"empty name", topic, []AlterConfig{set("", "1")}, true, false, ErrInvalidConfig, nil},
		{"legacy null value", topic, []AlterConfig{{Name: "a"}}, false, false, ErrInvalidConfig, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := c.Image().Configs(tc.res)
			r := c.AlterConfigs(context.Background(), []AlterConfigsResource{{Type: tc.res.Type, Name: tc.res.Name, Configs: tc.configs}}, tc.incremental, tc.validateOnly)[0]
			wantErr(t, "AlterConfigs", r.Err, tc.want)
			if r.Type != tc.res.Type || r.Name != tc.res.Name {
				t.Fatalf("result names %v %q", r.Type, r.Name)
			}
			got := c.Image().Configs(tc.res)
			if tc.want != nil {
				if !maps.Equal(got, before) {
					t.Fatalf("a failed alter changed %v to %v", before, got)
				}
				return
			}
			if !maps.Equal(got, tc.after) {
				t.Fatalf("configs %v, want %v", got, tc.after)
			}
		})
	}
	// The same resource twice in one request fails both.
	rs := c.AlterConfigs(context.Background(), []AlterConfigsResource{
		{Type: metadata.ConfigResourceTopic, Name: "t", Configs: []AlterConfig{set("a", "1")}},
		{Type: metadata.ConfigResourceTopic, Name: "t", Configs: []AlterConfig{set("b", "1")}},
	}, true, false)
	for _, r := range rs {
		wantErr(t, "duplicate resource", r.Err, ErrInvalidRequest)
	}
	// A no-op alteration writes nothing.
	off := c.Image().Offset()
	r := c.AlterConfigs(context.Background(), []AlterConfigsResource{{Type: metadata.ConfigResourceBroker, Name: "1",
		Configs: []AlterConfig{set("log.cleaner.threads", "2")}}}, true, false)[0]
	if r.Err != nil || c.Image().Offset() != off {
		t.Fatalf("no-op alter: %v, offset %d → %d", r.Err, off, c.Image().Offset())
	}
}

func TestListOps(t *testing.T) {
	tests := []struct{ cur, arg, appended, subtracted string }{
		{"", "a", "a", ""},
		{"a,b", "b,c", "a,b,c", "a"},
		{" a , b ", "a", "a,b", "b"},
		{"a", "", "a", "a"},
	}
	for _, tc := range tests {
		if got := appendList(tc.cur, tc.arg); got != tc.appended {
			t.Errorf("appendList(%q, %q) = %q, want %q", tc.cur, tc.arg, got, tc.appended)
		}
		if got := subtractList(tc.cur, tc.arg); got != tc.subtracted {
			t.Errorf("subtractList(%q, %q) = %q, want %q", tc.cur, tc.arg, got, tc.subtracted)
		}
	}
}
