package api

// CreateTopics: v0-7 advertised, v0-7 served.
//
// Behavior:
//   - Each topic goes to the controller, which validates the name (Kafka's
//     rules, including the '.'/'_' collision), the partition count and
//     replication factor (-1 means the broker default, v4+), a manual
//     assignment if given, and the configs; it commits the topic before the
//     answer, so the topic is usable as soon as the response arrives.
//   - ValidateOnly (v1+) checks everything and creates nothing.
//   - A name given twice in one request: INVALID_REQUEST for each, as Kafka.
//   - v1+ ErrorMessage, v5+ NumPartitions/ReplicationFactor and the topic's
//     effective configs, v7+ the topic ID.

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/controller"
)

func (r *Router) createTopics(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.CreateTopicsRequest)
	resp := kmsg.NewPtrCreateTopicsResponse()
	resp.Version = rc.version
	ctx, cancel := context.WithTimeout(ctx, timeoutOr(in.TimeoutMillis, 30*time.Second))
	defer cancel()

	seen := countNames(len(in.Topics), func(i int) string { return in.Topics[i].Topic })
	var create []controller.CreateTopic
	var index []int // response index of each create
	for _, t := range in.Topics {
		rt := kmsg.NewCreateTopicsResponseTopic()
		rt.Topic = t.Topic
		rt.NumPartitions, rt.ReplicationFactor = -1, -1
		resp.Topics = append(resp.Topics, rt)
		if seen[t.Topic] > 1 {
			setCreateTopicError(&resp.Topics[len(resp.Topics)-1], fmt.Errorf("%w: topic %q appears more than once", controller.ErrInvalidRequest, t.Topic))
			continue
		}
		ct := controller.CreateTopic{Name: t.Topic, NumPartitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor, ValidateOnly: in.ValidateOnly}
		if len(t.ReplicaAssignment) > 0 {
			ct.Assignments = map[int32][]int32{}
			for _, a := range t.ReplicaAssignment {
				ct.Assignments[a.Partition] = a.Replicas
			}
		}
		if len(t.Configs) > 0 {
			ct.Configs = map[string]*string{}
			for _, c := range t.Configs {
				ct.Configs[c.Name] = c.Value
			}
		}
		create = append(create, ct)
		index = append(index, len(resp.Topics)-1)
	}
	results := r.deps.Controller.CreateTopics(ctx, create)
	for i, res := range results {
		rt := &resp.Topics[index[i]]
		if res.Err != nil {
			setCreateTopicError(rt, res.Err)
			continue
		}
		rt.TopicID = res.TopicID
		rt.NumPartitions, rt.ReplicationFactor = res.NumPartitions, res.ReplicationFactor
		if rc.version >= 5 {
			overrides := map[string]string{}
			for k, v := range create[i].Configs {
				if v != nil {
					overrides[k] = *v
				}
			}
			for _, e := range r.deps.Topics.Describe(res.Name, overrides) {
				c := kmsg.NewCreateTopicsResponseTopicConfig()
				c.Name, c.Value, c.ReadOnly, c.Source, c.IsSensitive = e.Name, e.Value, e.ReadOnly, int8(e.Source), e.Sensitive
				rt.Configs = append(rt.Configs, c)
			}
		}
	}
	return resp, nil
}

func setCreateTopicError(rt *kmsg.CreateTopicsResponseTopic, err error) {
	rt.ErrorCode = errorCode(err)
	rt.ErrorMessage = errorMessage(err)
}

// countNames counts how often each of n names occurs in a request: a name
// given twice gets INVALID_REQUEST in the admin APIs, as in Kafka.
func countNames(n int, name func(i int) string) map[string]int {
	seen := make(map[string]int, n)
	for i := range n {
		seen[name(i)]++
	}
	return seen
}

// timeoutOr converts a request's timeout in milliseconds, using def when it
// is not positive.
func timeoutOr(ms int32, def time.Duration) time.Duration {
	if ms <= 0 {
		return def
	}
	return time.Duration(ms) * time.Millisecond
}
