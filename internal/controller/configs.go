package controller

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/samsa-io/samsa/internal/metadata"
)

// ConfigOp is an IncrementalAlterConfigs operation, with Kafka's codes
// (AlterConfigOp.OpType, KIP-339).
type ConfigOp int8

// The incremental config operations.
const (
	// ConfigSet sets the value.
	ConfigSet ConfigOp = 0
	// ConfigDelete removes the value (back to the default).
	ConfigDelete ConfigOp = 1
	// ConfigAppend adds the value's comma-separated items to a list config,
	// skipping items already present.
	ConfigAppend ConfigOp = 2
	// ConfigSubtract removes the value's comma-separated items from a list
	// config.
	ConfigSubtract ConfigOp = 3
)

// AlterConfig is one config change of an AlterConfigs resource.
type AlterConfig struct {
	Name string
	// Op is ignored by legacy (non-incremental) AlterConfigs, where every
	// listed config is set.
	Op    ConfigOp
	Value *string
}

// AlterConfigsResource is the changes to one resource.
type AlterConfigsResource struct {
	// Type is metadata.ConfigResourceTopic or metadata.ConfigResourceBroker.
	Type metadata.ConfigResourceType
	// Name is the topic, or the broker ID in decimal, or "" for the
	// cluster-wide broker default.
	Name    string
	Configs []AlterConfig
}

// AlterConfigsResult is the outcome for one resource.
type AlterConfigsResult struct {
	Type metadata.ConfigResourceType
	Name string
	Err  error
}

// AlterConfigs changes dynamic configs of topics and brokers. With
// incremental false it is Kafka's legacy AlterConfigs: each resource's
// dynamic configs are replaced by exactly the listed ones (unlisted ones are
// deleted). With incremental true it is IncrementalAlterConfigs: each
// AlterConfig applies its Op, and unlisted configs stay.
//
// The resource's resulting set is checked by Options.ValidateTopicConfig or
// ValidateBrokerConfig. APPEND and SUBTRACT work on the dynamic value only:
// the controller does not know static defaults, so appending to a config
// that has no dynamic value starts from the empty list. Each resource
// succeeds or fails on its own; results are in request order, and the
// changes are committed together.
func (c *Controller) AlterConfigs(ctx context.Context, resources []AlterConfigsResource, incremental, validateOnly bool) []AlterConfigsResult {
	resources = cloneResources(resources)
	res := make([]AlterConfigsResult, len(resources))
	written := make([]bool, len(resources))
	ran, err := c.submit(ctx, opAlterConfigs, func(img *metadata.Image) ([]metadata.Record, error) {
		return c.alterConfigs(img, resources, incremental, validateOnly, res, written), nil
	})
	if !ran {
		// The loop may still run the operation and write res: answer
		// from a fresh slice.
		out := make([]AlterConfigsResult, len(resources))
		for i, r := range resources {
			out[i] = AlterConfigsResult{Type: r.Type, Name: r.Name, Err: err}
		}
		return out
	}
	for i := range res {
		if written[i] && err != nil {
			res[i].Err = err
		}
	}
	return res
}

func cloneResources(in []AlterConfigsResource) []AlterConfigsResource {
	out := slices.Clone(in)
	for i := range out {
		out[i].Configs = slices.Clone(out[i].Configs)
		for j, cfg := range out[i].Configs {
			if cfg.Value != nil {
				v := *cfg.Value
				out[i].Configs[j].Value = &v
			}
		}
	}
	return out
}

func (c *Controller) alterConfigs(img *metadata.Image, resources []AlterConfigsResource, incremental, validateOnly bool, res []AlterConfigsResult, written []bool) []metadata.Record {
	counts := map[metadata.ConfigResource]int{}
	for _, r := range resources {
		counts[metadata.ConfigResource{Type: r.Type, Name: r.Name}]++
	}
	var records []metadata.Record
	for i, r := range resources {
		res[i].Type, res[i].Name = r.Type, r.Name
		key := metadata.ConfigResource{Type: r.Type, Name: r.Name}
		if counts[key] > 1 {
			res[i].Err = fmt.Errorf("%w: resource %v %q appears %d times in the request", ErrInvalidRequest, r.Type, r.Name, counts[key])
			continue
		}
		recs, err := c.alterResource(img, key, r.Configs, incremental)
		if err != nil {
			res[i].Err = err
			continue
		}
		if validateOnly || len(recs) == 0 {
			continue
		}
		written[i] = true
		records = append(records, recs...)
	}
	return records
}

// alterResource validates the changes to one resource and returns the
// ConfigRecords that make them.
func (c *Controller) alterResource(img *metadata.Image, key metadata.ConfigResource, changes []AlterConfig, incremental bool) ([]metadata.Record, error) {
	var validate func(map[string]*string) error
	switch key.Type {
	case metadata.ConfigResourceTopic:
		if err := validateTopicName(key.Name); err != nil {
			return nil, err
		}
		if img.Topic(key.Name) == nil {
			return nil, fmt.Errorf("%w: %q", ErrUnknownTopic, key.Name)
		}
		validate = c.opts.ValidateTopicConfig
	case metadata.ConfigResourceBroker:
		if key.Name != "" {
			if id, err := strconv.ParseInt(key.Name, 10, 32); err != nil || id < 0 {
				return nil, fmt.Errorf("%w: broker resource name %q is not a broker ID", ErrInvalidRequest, key.Name)
			}
		}
		validate = c.opts.ValidateBrokerConfig
	default:
		return nil, fmt.Errorf("%w: config resource type %v is not supported", ErrInvalidRequest, key.Type)
	}
	old := img.Configs(key)
	next := map[string]string{}
	if incremental {
		maps.Copy(next, old)
	}
	seen := map[string]bool{}
	for _, ch := range changes {
		if ch.Name == "" {
			return nil, fmt.Errorf("%w: empty config name", ErrInvalidConfig)
		}
		if seen[ch.Name] {
			return nil, fmt.Errorf("%w: config %q appears twice", ErrInvalidRequest, ch.Name)
		}
		seen[ch.Name] = true
		if !incremental {
			if ch.Value == nil {
				return nil, fmt.Errorf("%w: config %q has a null value", ErrInvalidConfig, ch.Name)
			}
			next[ch.Name] = *ch.Value
			continue
		}
		if ch.Value == nil && ch.Op != ConfigDelete {
			return nil, fmt.Errorf("%w: config %q: operation %d needs a value", ErrInvalidRequest, ch.Name, ch.Op)
		}
		switch ch.Op {
		case ConfigSet:
			next[ch.Name] = *ch.Value
		case ConfigDelete:
			delete(next, ch.Name)
		case ConfigAppend:
			next[ch.Name] = appendList(next[ch.Name], *ch.Value)
		case ConfigSubtract:
			if v := subtractList(next[ch.Name], *ch.Value); v != "" {
				next[ch.Name] = v
			} else {
				delete(next, ch.Name)
			}
		default:
			return nil, fmt.Errorf("%w: config %q: unknown operation %d", ErrInvalidRequest, ch.Name, ch.Op)
		}
	}
	set := make(map[string]*string, len(next))
	for k, v := range next {
		set[k] = &v
	}
	if err := c.validateConfigs(validate, set); err != nil {
		return nil, err
	}
	var records []metadata.Record
	names := slices.Sorted(maps.Keys(old))
	for name := range next {
		if _, ok := old[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		o, hadOld := old[name]
		n, hasNew := next[name]
		if hadOld == hasNew && o == n {
			continue
		}
		rec := &metadata.ConfigRecord{ResourceType: key.Type, ResourceName: key.Name, Name: name}
		if hasNew {
			rec.Value = &n
		}
		records = append(records, rec)
	}
	return records, nil
}

// validateConfigs runs a pluggable validator, wrapping its error.
func (c *Controller) validateConfigs(validate func(map[string]*string) error, configs map[string]*string) error {
	for name := range configs {
		if name == "" {
			return fmt.Errorf("%w: empty config name", ErrInvalidConfig)
		}
	}
	if validate == nil {
		return nil
	}
	if err := validate(configs); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// splitList splits a comma-separated list config value, trimming spaces and
// dropping empty items, as Kafka's ConfigDef.Type.LIST parsing does.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// appendList adds the items of add missing from cur.
func appendList(cur, add string) string {
	items := splitList(cur)
	for _, item := range splitList(add) {
		if !slices.Contains(items, item) {
			items = append(items, item)
		}
	}
	return strings.Join(items, ",")
}

// subtractList removes the items of sub from cur.
func subtractList(cur, sub string) string {
	remove := splitList(sub)
	items := slices.DeleteFunc(splitList(cur), func(item string) bool { return slices.Contains(remove, item) })
	return strings.Join(items, ",")
}
