package broker

// End-to-end tests of the admin APIs (DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs, DeleteRecords, DescribeCluster) on an in-process
// broker, driven by franz-go's kadm where it reaches and by raw kmsg
// requests for version-specific fields and error paths kadm hides.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/samsa-io/samsa/internal/config"
	"github.com/samsa-io/samsa/internal/storage"
)

// staticRetention sets log.retention.hours in the static configuration, so
// that retention.ms of topics without an override comes from
// STATIC_BROKER_CONFIG rather than DEFAULT_CONFIG.
var staticRetention = map[string]string{"log.retention.hours": "48"}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// direct sends a request to the broker itself, bypassing kgo's sharding
// (which would route a broker resource to that broker id, or resolve a
// partition leader first) so the broker's own answer to bad input is seen.
func direct[R kmsg.Response](t *testing.T, ctx context.Context, cl *kgo.Client, req kmsg.Request) R {
	t.Helper()
	resp, err := cl.SeedBrokers()[0].Request(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", kmsg.NameForKey(req.Key()), err)
	}
	return resp.(R)
}

// versioned is a client that sends key at version v at most.
func versioned(t *testing.T, b *Broker, key kmsg.Key, v int16) *kgo.Client {
	t.Helper()
	vs := kversion.Stable()
	vs.SetMaxKeyVersion(key.Int16(), v)
	return client(t, b, kgo.MaxVersions(vs))
}

// eventually retries check until it returns nil or five seconds pass: the
// broker applies a committed metadata change to its logs a moment after the
// admin request that made it returns.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func createTopic(t *testing.T, ctx context.Context, adm *kadm.Client, topic string, partitions int32, configs map[string]*string) {
	t.Helper()
	res, err := adm.CreateTopics(ctx, partitions, 1, configs, topic)
	if err != nil || res[topic].Err != nil {
		t.Fatalf("create %s: %v %v", topic, err, res[topic].Err)
	}
	// Raw requests do not retry: wait until the broker has applied the new
	// metadata and serves every partition (ListOffsets reads the logs).
	eventually(t, "partitions of "+topic+" servable", func() error {
		ends, err := adm.ListEndOffsets(ctx, topic)
		if err != nil {
			return err
		}
		if n := len(ends[topic]); n != int(partitions) {
			return fmt.Errorf("%d of %d partitions listed", n, partitions)
		}
		return ends.Error()
	})
}

// describeTopic returns a topic's configs by name.
func describeTopic(t *testing.T, ctx context.Context, adm *kadm.Client, topic string) map[string]kadm.Config {
	t.Helper()
	rcs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatalf("describe %s: %v", topic, err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil || rc.Err != nil {
		t.Fatalf("describe %s: %v %v", topic, err, rc.Err)
	}
	return configsByName(rc.Configs)
}

func configsByName(cs []kadm.Config) map[string]kadm.Config {
	out := map[string]kadm.Config{}
	for _, c := range cs {
		out[c.Key] = c
	}
	return out
}

// wantConfig checks a described config's value and source.
func wantConfig(t *testing.T, cs map[string]kadm.Config, name, value string, source kmsg.ConfigSource) {
	t.Helper()
	c, ok := cs[name]
	switch {
	case !ok:
		t.Errorf("%s: not described", name)
	case c.MaybeValue() != value || c.Source != source:
		t.Errorf("%s = %q (source %v), want %q (source %v)", name, c.MaybeValue(), c.Source, value, source)
	}
}

// alterOne runs an incremental alter of one topic and returns its outcome.
func alterOne(t *testing.T, ctx context.Context, adm *kadm.Client, topic string, cfgs ...kadm.AlterConfig) kadm.AlterConfigsResponse {
	t.Helper()
	res, err := adm.AlterTopicConfigs(ctx, cfgs, topic)
	if err != nil || len(res) != 1 {
		t.Fatalf("alter %s: %v (%d results)", topic, err, len(res))
	}
	return res[0]
}

func set(name, value string) kadm.AlterConfig {
	return kadm.AlterConfig{Op: kadm.SetConfig, Name: name, Value: kadm.StringPtr(value)}
}

// logOptions returns partition 0's current storage options.
func logOptions(b *Broker, topic string) (storage.Options, error) {
	p, err := b.replicas.Partition(topic, 0)
	if err != nil {
		return storage.Options{}, err
	}
	return p.Log().Options(), nil
}

func TestDescribeConfigs(t *testing.T) {
	b := startBrokerWith(t, t.TempDir(), map[string]string{"log.retention.hours": "48", "ssl.keystore.password": "secret"})
	defer stopBroker(t, b)
	ctx := testContext(t)
	cl := client(t, b)
	adm := kadm.NewClient(cl)
	createTopic(t, ctx, adm, "described", 1, map[string]*string{"segment.bytes": kadm.StringPtr("2097152")})

	// Topic: the override, a static broker default, a table default.
	rcs, err := adm.DescribeTopicConfigs(ctx, "described", "missing")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := rcs.On("described", nil)
	if rc.Err != nil || len(rc.Configs) != len(config.TopicKeys()) {
		t.Fatalf("described: err %v, %d configs, want %d", rc.Err, len(rc.Configs), len(config.TopicKeys()))
	}
	cs := configsByName(rc.Configs)
	wantConfig(t, cs, "segment.bytes", "2097152", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, cs, "retention.ms", "172800000", kmsg.ConfigSourceStaticBrokerConfig)
	wantConfig(t, cs, "max.message.bytes", "1048588", kmsg.ConfigSourceDefaultConfig)
	if syn := cs["segment.bytes"].Synonyms; len(syn) < 2 || syn[0].Key != "segment.bytes" || syn[1].Key != "log.segment.bytes" ||
		syn[1].Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("segment.bytes synonyms %+v", syn)
	}
	if syn := cs["retention.ms"].Synonyms; len(syn) < 1 || syn[0].Key != "log.retention.hours" || *syn[0].Value != "48" {
		t.Errorf("retention.ms synonyms %+v", syn)
	}
	if rc, _ := rcs.On("missing", nil); !errors.Is(rc.Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("missing topic: %v, want UNKNOWN_TOPIC_OR_PARTITION", rc.Err)
	}

	// Broker: static and default sources, and the password masked.
	brs, err := adm.DescribeBrokerConfigs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	br, _ := brs.On("1", nil)
	if br.Err != nil || len(br.Configs) != len(config.BrokerKeys()) {
		t.Fatalf("broker 1: err %v, %d configs, want %d", br.Err, len(br.Configs), len(config.BrokerKeys()))
	}
	bcs := configsByName(br.Configs)
	wantConfig(t, bcs, "node.id", "1", kmsg.ConfigSourceStaticBrokerConfig)
	wantConfig(t, bcs, "log.retention.hours", "48", kmsg.ConfigSourceStaticBrokerConfig)
	wantConfig(t, bcs, "log.segment.bytes", "1073741824", kmsg.ConfigSourceDefaultConfig)
	if pw := bcs["ssl.keystore.password"]; !pw.Sensitive || pw.Value != nil || pw.Source != kmsg.ConfigSourceStaticBrokerConfig ||
		len(pw.Synonyms) == 0 || pw.Synonyms[0].Value != nil {
		t.Errorf("ssl.keystore.password is not masked: %+v", pw)
	}
	// The cluster-wide resource lists only dynamic defaults: none yet.
	if def, err := adm.DescribeBrokerConfigs(ctx); err != nil || len(def) != 1 || def[0].Err != nil || len(def[0].Configs) != 0 {
		t.Errorf("cluster defaults: %v %+v", err, def)
	}

	// Version-specific fields, on raw requests.
	describe := func(v int16, synonyms, docs bool, names ...string) kmsg.DescribeConfigsResponseResource {
		t.Helper()
		req := kmsg.NewPtrDescribeConfigsRequest()
		req.IncludeSynonyms, req.IncludeDocumentation = synonyms, docs
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType, res.ResourceName, res.ConfigNames = kmsg.ConfigResourceTypeTopic, "described", names
		req.Resources = append(req.Resources, res)
		resp := direct[*kmsg.DescribeConfigsResponse](t, ctx, versioned(t, b, kmsg.DescribeConfigs, v), req)
		if resp.Version != v || len(resp.Resources) != 1 || resp.Resources[0].ErrorCode != 0 {
			t.Fatalf("v%d: %+v", v, resp)
		}
		return resp.Resources[0]
	}
	// v0: IsDefault instead of Source; the name filter skips unknown names.
	r0 := describe(0, true, true, "segment.bytes", "max.message.bytes", "no.such.config")
	if len(r0.Configs) != 2 {
		t.Fatalf("v0 filter: %d configs, want 2", len(r0.Configs))
	}
	for _, c := range r0.Configs {
		if c.IsDefault != (c.Name == "max.message.bytes") || len(c.ConfigSynonyms) != 0 || c.Documentation != nil {
			t.Errorf("v0 %s: IsDefault %v, %d synonyms, doc %v", c.Name, c.IsDefault, len(c.ConfigSynonyms), c.Documentation)
		}
	}
	// v1: synonyms only when asked for.
	if c := describe(1, false, false, "segment.bytes").Configs[0]; c.Source != kmsg.ConfigSourceDynamicTopicConfig || len(c.ConfigSynonyms) != 0 {
		t.Errorf("v1 without synonyms: %+v", c)
	}
	if c := describe(1, true, false, "segment.bytes").Configs[0]; len(c.ConfigSynonyms) < 2 {
		t.Errorf("v1 with synonyms: %+v", c)
	}
	// v3 and v4 (flexible): ConfigType always, Documentation when asked for.
	for _, v := range []int16{3, 4} {
		if c := describe(v, false, true, "retention.ms").Configs[0]; c.ConfigType != kmsg.ConfigTypeLong || c.Documentation == nil || *c.Documentation == "" {
			t.Errorf("v%d with docs: type %v doc %v", v, c.ConfigType, c.Documentation)
		}
		if c := describe(v, false, false, "retention.ms").Configs[0]; c.ConfigType != kmsg.ConfigTypeLong || c.Documentation != nil {
			t.Errorf("v%d without docs: type %v doc %v", v, c.ConfigType, c.Documentation)
		}
	}

	// Per-resource errors.
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, r := range []struct {
		typ  kmsg.ConfigResourceType
		name string
	}{
		{kmsg.ConfigResourceTypeBroker, "2"},
		{kmsg.ConfigResourceTypeBroker, "one"},
		{kmsg.ConfigResourceTypeBrokerLogger, "1"},
		{kmsg.ConfigResourceTypeTopic, "bad name!"},
		{kmsg.ConfigResourceTypeTopic, "missing"},
		{kmsg.ConfigResourceTypeBroker, ""},
	} {
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType, res.ResourceName = r.typ, r.name
		req.Resources = append(req.Resources, res)
	}
	resp := direct[*kmsg.DescribeConfigsResponse](t, ctx, cl, req)
	want := []*kerr.Error{kerr.InvalidRequest, kerr.InvalidRequest, kerr.InvalidRequest, kerr.InvalidTopicException, kerr.UnknownTopicOrPartition, nil}
	for i, r := range resp.Resources {
		if err := kerr.ErrorForCode(r.ErrorCode); (want[i] == nil) != (err == nil) || (want[i] != nil && !errors.Is(err, want[i])) {
			t.Errorf("resource %d %q: %v, want %v", r.ResourceType, r.ResourceName, err, want[i])
		}
		if r.ErrorCode != 0 && (r.ErrorMessage == nil || len(r.Configs) != 0) {
			t.Errorf("resource %q: message %v, %d configs", r.ResourceName, r.ErrorMessage, len(r.Configs))
		}
	}
}

func TestAlterConfigs(t *testing.T) {
	dir := t.TempDir()
	b := startBrokerWith(t, dir, staticRetention)
	ctx := testContext(t)
	adm := kadm.NewClient(client(t, b))
	cl := client(t, b)
	createTopic(t, ctx, adm, "altered", 1, nil)

	// Incremental SET reaches the description and the log's options.
	if r := alterOne(t, ctx, adm, "altered", set("retention.ms", "3600000"), set("segment.bytes", "1048576")); r.Err != nil {
		t.Fatalf("set: %v %s", r.Err, r.ErrMessage)
	}
	cs := describeTopic(t, ctx, adm, "altered")
	wantConfig(t, cs, "retention.ms", "3600000", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, cs, "segment.bytes", "1048576", kmsg.ConfigSourceDynamicTopicConfig)
	eventually(t, "new options reach the log", func() error {
		o, err := logOptions(b, "altered")
		if err == nil && (o.Retention != time.Hour || o.SegmentBytes != 1<<20) {
			err = errors.New("retention " + o.Retention.String() + ", segment bytes " + strconv.FormatInt(o.SegmentBytes, 10))
		}
		return err
	})

	// Bad input, one resource at a time; nothing changes.
	for _, tc := range []struct {
		name  string
		topic string
		cfg   kadm.AlterConfig
		want  *kerr.Error
	}{
		{"unknown key", "altered", set("no.such.key", "1"), kerr.InvalidConfig},
		{"broker key on a topic", "altered", set("log.retention.ms", "1"), kerr.InvalidConfig},
		{"not a number", "altered", set("retention.ms", "soon"), kerr.InvalidConfig},
		{"below the minimum", "altered", set("segment.bytes", "10"), kerr.InvalidConfig},
		{"append to a non-list", "altered", kadm.AlterConfig{Op: kadm.AppendConfig, Name: "retention.ms", Value: kadm.StringPtr("1")}, kerr.InvalidConfig},
		{"set without a value", "altered", kadm.AlterConfig{Op: kadm.SetConfig, Name: "retention.ms"}, kerr.InvalidRequest},
		{"unknown topic", "missing", set("retention.ms", "1000"), kerr.UnknownTopicOrPartition},
	} {
		r := alterOne(t, ctx, adm, tc.topic, tc.cfg)
		if !errors.Is(r.Err, tc.want) || r.ErrMessage == "" {
			t.Errorf("%s: %v (%q), want %v with a message", tc.name, r.Err, r.ErrMessage, tc.want)
		}
		if tc.want == kerr.InvalidConfig && tc.cfg.Op == kadm.SetConfig && !strings.Contains(r.ErrMessage, tc.cfg.Name) {
			t.Errorf("%s: message %q does not name %s", tc.name, r.ErrMessage, tc.cfg.Name)
		}
	}
	wantConfig(t, describeTopic(t, ctx, adm, "altered"), "retention.ms", "3600000", kmsg.ConfigSourceDynamicTopicConfig)

	// ValidateOnly checks and changes nothing; unsupported resource types
	// are INVALID_REQUEST. (A resource may appear once per request.)
	for _, r := range []struct {
		typ         kmsg.ConfigResourceType
		name, value string
		want        int16
	}{
		{kmsg.ConfigResourceTypeTopic, "altered", "7200000", 0},
		{kmsg.ConfigResourceTypeTopic, "altered", "-7", kerr.InvalidConfig.Code},
		{kmsg.ConfigResourceTypeBrokerLogger, "1", "1", kerr.InvalidRequest.Code},
	} {
		inc := kmsg.NewPtrIncrementalAlterConfigsRequest()
		inc.ValidateOnly = true
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = r.typ, r.name
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = "retention.ms", kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr(r.value)
		res.Configs = append(res.Configs, c)
		inc.Resources = append(inc.Resources, res)
		if got := direct[*kmsg.IncrementalAlterConfigsResponse](t, ctx, cl, inc).Resources[0].ErrorCode; got != r.want {
			t.Errorf("validate-only %v %q = %s: code %d, want %d", r.typ, r.name, r.value, got, r.want)
		}
	}
	// Two resources in one request: each succeeds or fails on its own.
	inc := kmsg.NewPtrIncrementalAlterConfigsRequest()
	for _, name := range []string{"altered", "missing"} {
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, name
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = "retention.ms", kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr("3600000")
		res.Configs = append(res.Configs, c)
		inc.Resources = append(inc.Resources, res)
	}
	incResp := direct[*kmsg.IncrementalAlterConfigsResponse](t, ctx, cl, inc)
	if len(incResp.Resources) != 2 || incResp.Resources[0].ErrorCode != 0 || incResp.Resources[1].ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("mixed request: %+v", incResp.Resources)
	}
	wantConfig(t, describeTopic(t, ctx, adm, "altered"), "retention.ms", "3600000", kmsg.ConfigSourceDynamicTopicConfig)

	// DELETE goes back to the default; APPEND and SUBTRACT edit lists.
	if r := alterOne(t, ctx, adm, "altered", kadm.AlterConfig{Op: kadm.DeleteConfig, Name: "segment.bytes"},
		kadm.AlterConfig{Op: kadm.AppendConfig, Name: "cleanup.policy", Value: kadm.StringPtr("delete,compact")}); r.Err != nil {
		t.Fatalf("delete/append: %v %s", r.Err, r.ErrMessage)
	}
	if r := alterOne(t, ctx, adm, "altered", kadm.AlterConfig{Op: kadm.SubtractConfig, Name: "cleanup.policy", Value: kadm.StringPtr("compact")}); r.Err != nil {
		t.Fatalf("subtract: %v %s", r.Err, r.ErrMessage)
	}
	cs = describeTopic(t, ctx, adm, "altered")
	wantConfig(t, cs, "segment.bytes", "1073741824", kmsg.ConfigSourceDefaultConfig)
	wantConfig(t, cs, "cleanup.policy", "delete", kmsg.ConfigSourceDynamicTopicConfig)
	eventually(t, "deleted override reaches the log", func() error {
		o, err := logOptions(b, "altered")
		if err == nil && o.SegmentBytes != 1<<30 {
			err = errors.New("segment bytes " + strconv.FormatInt(o.SegmentBytes, 10))
		}
		return err
	})

	// Legacy AlterConfigs replaces the whole set: retention.ms and
	// cleanup.policy lose their overrides.
	res, err := adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "max.message.bytes", Value: kadm.StringPtr("2000000")}}, "altered")
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("alter state: %v %+v", err, res)
	}
	cs = describeTopic(t, ctx, adm, "altered")
	wantConfig(t, cs, "max.message.bytes", "2000000", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, cs, "retention.ms", "172800000", kmsg.ConfigSourceStaticBrokerConfig)
	wantConfig(t, cs, "cleanup.policy", "delete", kmsg.ConfigSourceDefaultConfig)
	res, err = adm.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "no.such.key", Value: kadm.StringPtr("1")}}, "altered", "missing")
	if err != nil || len(res) != 2 {
		t.Fatalf("alter state, bad: %v %+v", err, res)
	}
	for _, r := range res {
		want := kerr.InvalidConfig
		if r.Name == "missing" {
			want = kerr.UnknownTopicOrPartition
		}
		if !errors.Is(r.Err, want) {
			t.Errorf("alter state %s: %v, want %v", r.Name, r.Err, want)
		}
	}
	// Legacy ValidateOnly and an unsupported type, on a raw request at v0.
	legacy := kmsg.NewPtrAlterConfigsRequest()
	legacy.ValidateOnly = true
	for _, typ := range []kmsg.ConfigResourceType{kmsg.ConfigResourceTypeTopic, kmsg.ConfigResourceTypeBrokerLogger} {
		r := kmsg.NewAlterConfigsRequestResource()
		r.ResourceType, r.ResourceName = typ, "altered"
		c := kmsg.NewAlterConfigsRequestResourceConfig()
		c.Name, c.Value = "max.message.bytes", kmsg.StringPtr("3000000")
		r.Configs = append(r.Configs, c)
		legacy.Resources = append(legacy.Resources, r)
	}
	legacyResp := direct[*kmsg.AlterConfigsResponse](t, ctx, versioned(t, b, kmsg.AlterConfigs, 0), legacy)
	if legacyResp.Version != 0 || legacyResp.Resources[0].ErrorCode != 0 || legacyResp.Resources[1].ErrorCode != kerr.InvalidRequest.Code {
		t.Errorf("legacy validate-only: %+v", legacyResp)
	}
	wantConfig(t, describeTopic(t, ctx, adm, "altered"), "max.message.bytes", "2000000", kmsg.ConfigSourceDynamicTopicConfig)

	// A cluster-wide dynamic broker default becomes the default of topics
	// without an override, in their description and in their logs.
	bres, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{set("log.segment.bytes", "3145728")})
	if err != nil || len(bres) != 1 || bres[0].Err != nil {
		t.Fatalf("alter cluster default: %v %+v", err, bres)
	}
	def, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil || len(def) != 1 {
		t.Fatalf("cluster defaults: %v %+v", err, def)
	}
	if dcs := configsByName(def[0].Configs); len(dcs) != 1 {
		t.Errorf("cluster defaults: %+v, want log.segment.bytes only", def[0].Configs)
	} else {
		wantConfig(t, dcs, "log.segment.bytes", "3145728", kmsg.ConfigSourceDynamicDefaultBrokerConfig)
	}
	brs, err := adm.DescribeBrokerConfigs(ctx, 1)
	if err != nil || len(brs) != 1 {
		t.Fatalf("broker 1: %v", err)
	}
	wantConfig(t, configsByName(brs[0].Configs), "log.segment.bytes", "3145728", kmsg.ConfigSourceDynamicDefaultBrokerConfig)
	eventually(t, "broker default reaches topics", func() error {
		if c := describeTopic(t, ctx, adm, "altered")["segment.bytes"]; c.MaybeValue() != "3145728" || c.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
			return errors.New("segment.bytes " + c.MaybeValue() + " source " + c.Source.String())
		}
		if o, err := logOptions(b, "altered"); err != nil || o.SegmentBytes != 3<<20 {
			return errors.New("log segment bytes " + strconv.FormatInt(o.SegmentBytes, 10))
		}
		return nil
	})
	// Read-only broker keys cannot change at run time.
	if bres, err := adm.AlterBrokerConfigs(ctx, []kadm.AlterConfig{set("log.dirs", "/tmp")}, 1); err != nil || len(bres) != 1 || !errors.Is(bres[0].Err, kerr.InvalidConfig) {
		t.Errorf("read-only broker key: %v %+v", err, bres)
	}

	// The metadata log keeps every change across a restart, and the
	// restarted broker gives the logs their options again.
	stopBroker(t, b)
	b = startBrokerWith(t, dir, staticRetention)
	defer stopBroker(t, b)
	adm = kadm.NewClient(client(t, b))
	cs = describeTopic(t, ctx, adm, "altered")
	wantConfig(t, cs, "max.message.bytes", "2000000", kmsg.ConfigSourceDynamicTopicConfig)
	wantConfig(t, cs, "retention.ms", "172800000", kmsg.ConfigSourceStaticBrokerConfig)
	eventually(t, "options after restart", func() error {
		if c := describeTopic(t, ctx, adm, "altered")["segment.bytes"]; c.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
			return errors.New("segment.bytes source " + c.Source.String())
		}
		if o, err := logOptions(b, "altered"); err != nil || o.SegmentBytes != 3<<20 || o.Retention != 48*time.Hour {
			return errors.New("log options after restart")
		}
		return nil
	})
}

func TestDeleteRecords(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir)
	ctx := testContext(t)
	cl := client(t, b, kgo.DefaultProduceTopic("trimmed"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	adm := kadm.NewClient(cl)
	createTopic(t, ctx, adm, "trimmed", 1, nil)
	createTopic(t, ctx, adm, "compacted", 1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")})
	for i := range 10 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(strconv.Itoa(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	// kadm: move the start to 4.
	var offsets kadm.Offsets
	offsets.Add(kadm.Offset{Topic: "trimmed", Partition: 0, At: 4})
	dres, err := adm.DeleteRecords(ctx, offsets)
	if err != nil {
		t.Fatal(err)
	}
	if r := dres["trimmed"][0]; r.Err != nil || r.LowWatermark != 4 {
		t.Fatalf("delete records: %+v", r)
	}
	starts, err := adm.ListStartOffsets(ctx, "trimmed")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := starts.Lookup("trimmed", 0); o.Err != nil || o.Offset != 4 {
		t.Errorf("earliest offset %+v, want 4", o)
	}

	// Fetch below the new start is OFFSET_OUT_OF_RANGE; at it, records.
	fetch := func(offset int64) kmsg.FetchResponseTopicPartition {
		t.Helper()
		req := kmsg.NewPtrFetchRequest()
		req.MaxBytes = 1 << 20
		ft := kmsg.NewFetchRequestTopic()
		ft.Topic = "trimmed"
		fp := kmsg.NewFetchRequestTopicPartition()
		fp.FetchOffset, fp.PartitionMaxBytes = offset, 1<<20
		ft.Partitions = append(ft.Partitions, fp)
		req.Topics = append(req.Topics, ft)
		resp := direct[*kmsg.FetchResponse](t, ctx, cl, req)
		return resp.Topics[0].Partitions[0]
	}
	if p := fetch(2); p.ErrorCode != kerr.OffsetOutOfRange.Code || p.LogStartOffset != 4 {
		t.Errorf("fetch below the start: code %d, log start %d", p.ErrorCode, p.LogStartOffset)
	}
	if p := fetch(4); p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
		t.Errorf("fetch at the start: code %d, %d bytes", p.ErrorCode, len(p.RecordBatches))
	}
	// A consumer from the beginning starts at 4.
	cons := client(t, b, kgo.ConsumeTopics("trimmed"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	fs := cons.PollFetches(ctx)
	if err := fs.Err0(); err != nil {
		t.Fatal(err)
	}
	if recs := fs.Records(); len(recs) == 0 || recs[0].Offset != 4 || string(recs[0].Value) != "4" {
		t.Errorf("first consumed record %+v, want offset 4", recs)
	}

	// Raw requests for the edges: -1 is the high watermark, beyond it and
	// other negative offsets are out of range, below the start is a no-op.
	deleteRaw := func(topic string, partition int32, offset int64) kmsg.DeleteRecordsResponseTopicPartition {
		t.Helper()
		req := kmsg.NewPtrDeleteRecordsRequest()
		rt := kmsg.NewDeleteRecordsRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewDeleteRecordsRequestTopicPartition()
		rp.Partition, rp.Offset = partition, offset
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		return direct[*kmsg.DeleteRecordsResponse](t, ctx, cl, req).Topics[0].Partitions[0]
	}
	for _, tc := range []struct {
		name      string
		topic     string
		partition int32
		offset    int64
		code      int16
		low       int64
	}{
		{"beyond the high watermark", "trimmed", 0, 11, kerr.OffsetOutOfRange.Code, -1},
		{"negative", "trimmed", 0, -5, kerr.OffsetOutOfRange.Code, -1},
		{"below the start", "trimmed", 0, 2, 0, 4},
		{"the high watermark", "trimmed", 0, -1, 0, 10},
		{"unknown topic", "missing", 0, 1, kerr.UnknownTopicOrPartition.Code, -1},
		{"unknown partition", "trimmed", 7, 1, kerr.UnknownTopicOrPartition.Code, -1},
		{"compacted topic", "compacted", 0, 0, kerr.PolicyViolation.Code, -1},
	} {
		if p := deleteRaw(tc.topic, tc.partition, tc.offset); p.ErrorCode != tc.code || p.LowWatermark != tc.low {
			t.Errorf("%s: code %d low watermark %d, want %d %d", tc.name, p.ErrorCode, p.LowWatermark, tc.code, tc.low)
		}
	}

	// The new start survives a restart (log-start-offset checkpoint).
	stopBroker(t, b)
	b = startBroker(t, dir)
	defer stopBroker(t, b)
	starts, err = kadm.NewClient(client(t, b)).ListStartOffsets(ctx, "trimmed")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := starts.Lookup("trimmed", 0); o.Err != nil || o.Offset != 10 {
		t.Errorf("earliest offset after restart %+v, want 10", o)
	}
}

func TestDescribeCluster(t *testing.T) {
	b := startBroker(t, t.TempDir())
	defer stopBroker(t, b)
	ctx := testContext(t)
	cl := client(t, b)
	clusterID := b.ctrl.Image().ClusterID()
	addr := b.Addr("PLAINTEXT").String()

	// The new keys are advertised with the phase 1 ranges.
	avReq := kmsg.NewPtrApiVersionsRequest()
	avReq.ClientSoftwareName, avReq.ClientSoftwareVersion = "samsa-test", "1.0"
	av := direct[*kmsg.ApiVersionsResponse](t, ctx, cl, avReq)
	ranges := map[int16][2]int16{}
	for _, k := range av.ApiKeys {
		ranges[k.ApiKey] = [2]int16{k.MinVersion, k.MaxVersion}
	}
	for key, want := range map[kmsg.Key][2]int16{
		kmsg.DeleteRecords: {0, 2}, kmsg.DescribeConfigs: {0, 4}, kmsg.AlterConfigs: {0, 2},
		kmsg.IncrementalAlterConfigs: {0, 1}, kmsg.DescribeCluster: {0, 1},
	} {
		if got := ranges[key.Int16()]; got != want {
			t.Errorf("%s advertised %v, want %v", kmsg.NameForKey(key.Int16()), got, want)
		}
	}

	for _, v := range []int16{0, 1} {
		req := kmsg.NewPtrDescribeClusterRequest()
		req.IncludeClusterAuthorizedOperations = true
		resp := direct[*kmsg.DescribeClusterResponse](t, ctx, versioned(t, b, kmsg.DescribeCluster, v), req)
		if resp.Version != v || resp.ErrorCode != 0 || resp.ClusterID != clusterID || clusterID == "" || resp.ControllerID != 1 ||
			resp.ClusterAuthorizedOperations != math.MinInt32 || len(resp.Brokers) != 1 {
			t.Fatalf("v%d: %+v", v, resp)
		}
		if br := resp.Brokers[0]; br.NodeID != 1 || br.Host+":"+strconv.Itoa(int(br.Port)) != addr {
			t.Errorf("v%d broker %+v, want %s", v, br, addr)
		}
	}
	for _, typ := range []int8{2, 0, 3} {
		req := kmsg.NewPtrDescribeClusterRequest()
		req.EndpointType = typ
		resp := direct[*kmsg.DescribeClusterResponse](t, ctx, cl, req)
		if resp.ErrorCode != kerr.UnsupportedEndpointType.Code || resp.ErrorMessage == nil || len(resp.Brokers) != 0 {
			t.Errorf("endpoint type %d: %+v", typ, resp)
		}
	}

	// kadm's view (through Metadata) agrees.
	md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil || md.Cluster != clusterID || md.Controller != 1 || len(md.Brokers) != 1 {
		t.Errorf("broker metadata: %v %+v", err, md)
	}
}
