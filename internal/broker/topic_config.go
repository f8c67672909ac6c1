package broker

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/samsa-io/samsa/internal/config"
	"github.com/samsa-io/samsa/internal/metadata"
	"github.com/samsa-io/samsa/internal/storage"
)

// topicConfigs resolves a topic's effective configuration: the topic's
// overrides from the metadata image over the broker's defaults, which are
// the static configuration with the dynamic broker configs of the image
// layered on top. It implements api.TopicConfigs and api.BrokerConfigs and
// feeds storage.Options.
type topicConfigs struct {
	// static is server.properties and flags; dynamic layers are added to a
	// copy, never to it.
	static *config.Broker
	nodeID int32
	// state is replaced whole by apply, so a reader sees one image's
	// overrides together with the same image's broker defaults.
	state atomic.Pointer[configState]
}

// configState is what one metadata image says about configs.
type configState struct {
	// broker is static plus the image's dynamic broker configs.
	broker *config.Broker
	// overrides returns a topic's overrides from the image.
	overrides func(topic string) map[string]string
	// effective caches each topic's resolved config for this image: the
	// produce path asks for it on every batch, and resolving parses every
	// key. A new image brings a new state, so the cache never goes stale.
	effective sync.Map // topic → config.TopicConfig
}

func newTopicConfigs(b *config.Broker) *topicConfigs {
	t := &topicConfigs{static: b, nodeID: b.NodeID}
	t.state.Store(&configState{broker: b, overrides: func(string) map[string]string { return nil }})
	return t
}

// apply takes the topic overrides and dynamic broker configs of img. When
// the stored dynamic broker configs do not validate (written by another
// version, say) the static configuration stays in force and the error is
// returned for the caller to log: one bad stored value must not stop the
// broker from applying metadata.
func (t *topicConfigs) apply(img *metadata.Image) error {
	b, err := t.withDynamic(t.dynamicConfigs(img))
	t.state.Store(&configState{broker: b, overrides: func(topic string) map[string]string {
		return img.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: topic})
	}})
	return err
}

// dynamicConfigs returns this broker's dynamic configs and the cluster-wide
// dynamic defaults stored in img.
func (t *topicConfigs) dynamicConfigs(img *metadata.Image) (perBroker, clusterDefault map[string]string) {
	perBroker = img.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: strconv.Itoa(int(t.nodeID))})
	clusterDefault = img.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: ""})
	return perBroker, clusterDefault
}

// withDynamic layers dynamic broker configs over the static configuration,
// falling back to the static configuration alone when they are invalid.
func (t *topicConfigs) withDynamic(perBroker, clusterDefault map[string]string) (*config.Broker, error) {
	if len(perBroker) == 0 && len(clusterDefault) == 0 {
		return t.static, nil
	}
	b, err := t.static.WithDynamic(perBroker, clusterDefault)
	if err != nil {
		return t.static, err
	}
	return b, nil
}

func (t *topicConfigs) effective(topic string) config.TopicConfig {
	s := t.state.Load()
	if tc, ok := s.effective.Load(topic); ok {
		return tc.(config.TopicConfig)
	}
	tc := config.EffectiveTopicConfig(s.broker, s.overrides(topic))
	s.effective.Store(topic, tc)
	return tc
}

// MaxMessageBytes implements api.TopicConfigs.
func (t *topicConfigs) MaxMessageBytes(topic string) int {
	return int(t.effective(topic).Int("max.message.bytes"))
}

// LogAppendTime implements api.TopicConfigs.
func (t *topicConfigs) LogAppendTime(topic string) bool {
	return t.effective(topic).String("message.timestamp.type") == "LogAppendTime"
}

// CleanupPolicy implements api.TopicConfigs.
func (t *topicConfigs) CleanupPolicy(topic string) []string {
	return t.effective(topic).List("cleanup.policy")
}

// storageOptions maps a topic's effective configuration to the log engine's
// options (the only place that does).
func (t *topicConfigs) storageOptions(topic string) storage.Options {
	tc := t.effective(topic)
	o := storage.DefaultOptions()
	o.SegmentBytes = tc.Int("segment.bytes")
	o.SegmentMs = tc.Duration("segment.ms")
	o.SegmentJitter = tc.Duration("segment.jitter.ms")
	o.IndexIntervalBytes = int(tc.Int("index.interval.bytes"))
	o.MaxIndexBytes = int(tc.Int("segment.index.bytes"))
	o.FlushMessages = tc.Int("flush.messages")
	o.FlushInterval = neverIfHuge(tc.Duration("flush.ms"))
	o.Retention = tc.Duration("retention.ms")
	o.RetentionBytes = tc.Int("retention.bytes")
	if !slices.Contains(tc.List("cleanup.policy"), "delete") {
		// Kafka applies time and size retention only to topics whose
		// cleanup.policy includes delete: a compacted topic such as
		// __consumer_offsets keeps its records however old (its coordinator
		// bounds it, docs/groups.md).
		o.Retention, o.RetentionBytes = -1, -1
	}
	o.FileDeleteDelay = tc.Duration("file.delete.delay.ms")
	o.ProducerIDExpiration = t.state.Load().broker.Duration("producer.id.expiration.ms")
	return o
}

// neverIfHuge turns Kafka's "never" (Long.MAX_VALUE ms, capped to the
// largest Duration by config) into the log engine's "disabled" (negative).
func neverIfHuge(d time.Duration) time.Duration {
	if d >= 100*365*24*time.Hour {
		return -1
	}
	return d
}

// Describe implements api.TopicConfigs. The broker defaults under the
// overrides are those of the last image applied, which may trail the
// controller's newest image by one publication.
func (t *topicConfigs) Describe(_ string, overrides map[string]string) []config.ConfigEntry {
	return config.EffectiveTopicConfig(t.state.Load().broker, overrides).Describe()
}

// DescribeBroker implements api.BrokerConfigs. It layers the dynamic configs
// it is given (from the controller's image, so an AlterConfigs is visible
// to the DescribeConfigs that follows it) rather than the last applied ones.
func (t *topicConfigs) DescribeBroker(perBroker, clusterDefault map[string]string) []config.ConfigEntry {
	b, _ := t.withDynamic(perBroker, clusterDefault)
	return b.Describe()
}
