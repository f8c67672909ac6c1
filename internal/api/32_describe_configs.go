package api

// DescribeConfigs: v0-4 advertised, v0-4 served.
//
// Behavior:
//   - TOPIC resources: every topic config with its effective value, the
//     topic's override from the metadata image (source DYNAMIC_TOPIC_CONFIG)
//     else the broker's default (STATIC_BROKER_CONFIG, a dynamic broker
//     source, or DEFAULT_CONFIG). A bad name is INVALID_TOPIC_EXCEPTION, a
//     missing topic UNKNOWN_TOPIC_OR_PARTITION.
//   - BROKER resources (KIP-226): this broker's id lists every broker config,
//     the dynamic broker configs from the metadata image layered over the
//     static ones; "" lists only the cluster-wide dynamic defaults that are
//     set, with source DYNAMIC_DEFAULT_BROKER_CONFIG, as Kafka does. Another
//     broker's id is INVALID_REQUEST: Kafka clients send a broker's configs
//     to that broker, and a broker answers only for itself.
//   - Other resource types (BROKER_LOGGER, CLIENT_METRICS, GROUP):
//     INVALID_REQUEST.
//   - ConfigNames filters by name; null or empty means all. Names that are
//     not configs are left out silently, as Kafka does.
//   - Sensitive configs (passwords) have a null value, in synonyms too.
//   - v0 IsDefault (source DEFAULT_CONFIG); v1+ Source, and ConfigSynonyms
//     when IncludeSynonyms is set (KIP-226); v3+ ConfigType (KIP-569), and
//     Documentation when IncludeDocumentation is set.

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/config"
	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/metadata"
)

func (r *Router) describeConfigs(_ context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.DescribeConfigsRequest)
	resp := kmsg.NewPtrDescribeConfigsResponse()
	resp.Version = rc.version
	// One image for the whole request, so resources answer from the same
	// metadata, and an AlterConfigs that returned is already visible.
	img := r.deps.Controller.Image()
	synonyms := rc.version >= 1 && in.IncludeSynonyms
	docs := rc.version >= 3 && in.IncludeDocumentation
	for _, res := range in.Resources {
		out := kmsg.NewDescribeConfigsResponseResource()
		out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
		entries, err := r.describeResource(img, res.ResourceType, res.ResourceName)
		if err != nil {
			out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
			resp.Resources = append(resp.Resources, out)
			continue
		}
		for _, e := range entries {
			if len(res.ConfigNames) > 0 && !slices.Contains(res.ConfigNames, e.Name) {
				continue
			}
			out.Configs = append(out.Configs, describedConfig(e, synonyms, docs))
		}
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

// describeResource lists one resource's configs.
func (r *Router) describeResource(img *metadata.Image, typ kmsg.ConfigResourceType, name string) ([]config.ConfigEntry, error) {
	switch metadata.ConfigResourceType(typ) {
	case metadata.ConfigResourceTopic:
		if !controller.ValidTopicName(name) {
			return nil, fmt.Errorf("%w: %q", controller.ErrInvalidTopic, name)
		}
		if img.Topic(name) == nil {
			return nil, fmt.Errorf("%w: %q", controller.ErrUnknownTopic, name)
		}
		overrides := img.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceTopic, Name: name})
		return r.deps.Topics.Describe(name, overrides), nil
	case metadata.ConfigResourceBroker:
		self := strconv.Itoa(int(r.deps.NodeID))
		if name != "" && name != self {
			return nil, fmt.Errorf("%w: broker resource %q: this is broker %s; ask that broker, or use \"\" for the cluster-wide defaults", controller.ErrInvalidRequest, name, self)
		}
		perBroker := img.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: self})
		clusterDefault := img.Configs(metadata.ConfigResource{Type: metadata.ConfigResourceBroker, Name: ""})
		entries := r.deps.BrokerConfig.DescribeBroker(perBroker, clusterDefault)
		if name == "" {
			return clusterDefaults(entries), nil
		}
		return entries, nil
	}
	return nil, fmt.Errorf("%w: config resource type %d is not supported", controller.ErrInvalidRequest, typ)
}

// clusterDefaults keeps the entries whose own key has a cluster-wide dynamic
// default and presents them as Kafka does for the "" broker resource: the
// value is that default, and this broker's own dynamic layer, which does
// not apply to the cluster, is left out of the synonyms.
func clusterDefaults(entries []config.ConfigEntry) []config.ConfigEntry {
	var out []config.ConfigEntry
	for _, e := range entries {
		i := slices.IndexFunc(e.Synonyms, func(s config.Synonym) bool {
			return s.Name == e.Name && s.Source == config.SourceDynamicDefaultBroker
		})
		if i < 0 {
			continue
		}
		e.Value, e.Source = e.Synonyms[i].Value, config.SourceDynamicDefaultBroker
		e.Synonyms = slices.DeleteFunc(slices.Clone(e.Synonyms), func(s config.Synonym) bool {
			return s.Source == config.SourceDynamicBroker
		})
		out = append(out, e)
	}
	return out
}

// describedConfig puts one entry on the wire. Sensitive values are already
// nil (package config never shows them).
func describedConfig(e config.ConfigEntry, synonyms, docs bool) kmsg.DescribeConfigsResponseResourceConfig {
	c := kmsg.NewDescribeConfigsResponseResourceConfig()
	c.Name, c.Value, c.ReadOnly, c.IsSensitive = e.Name, e.Value, e.ReadOnly, e.Sensitive
	c.Source = kmsg.ConfigSource(e.Source)
	c.IsDefault = e.Source == config.SourceDefault
	c.ConfigType = kmsg.ConfigType(e.Type)
	if synonyms {
		for _, s := range e.Synonyms {
			cs := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
			cs.Name, cs.Value, cs.Source = s.Name, s.Value, kmsg.ConfigSource(s.Source)
			c.ConfigSynonyms = append(c.ConfigSynonyms, cs)
		}
	}
	if docs && e.Doc != "" {
		doc := e.Doc
		c.Documentation = &doc
	}
	return c
}
