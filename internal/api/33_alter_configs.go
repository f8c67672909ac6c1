package api

// AlterConfigs: v0-2 advertised, v0-2 served.
//
// Behavior:
//   - The legacy whole-set alter (KIP-133): each resource's dynamic configs
//     become exactly the listed ones; configs not listed lose their override
//     and fall back to the broker default. Kafka deprecated it for that
//     reason in favour of IncrementalAlterConfigs (KIP-339), but kadm's
//     AlterTopicConfigsState and older tools still send it.
//   - TOPIC and BROKER resources go to the controller, which validates the
//     resulting set (unknown key, bad value, read-only broker key:
//     INVALID_CONFIG with the reason in ErrorMessage; a null value:
//     INVALID_CONFIG), and commits every valid resource's change together
//     before the answer. A topic that does not exist is
//     UNKNOWN_TOPIC_OR_PARTITION; a broker name that is not "" or an id, a
//     resource named twice, or another resource type is INVALID_REQUEST.
//     Each resource succeeds or fails on its own.
//   - ValidateOnly checks everything and changes nothing.
//   - Committed topic configs reach the partitions' logs when the broker
//     applies the new metadata image (storage options are set again), a
//     moment after the answer; broker configs become the defaults of topics
//     that do not override them.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/metadata"
)

// alterConfigsTimeout bounds the wait for the controller: neither
// AlterConfigs request carries a timeout of its own.
const alterConfigsTimeout = 30 * time.Second

func (r *Router) alterConfigs(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.AlterConfigsRequest)
	resp := kmsg.NewPtrAlterConfigsResponse()
	resp.Version = rc.version
	resources := make([]controller.AlterConfigsResource, len(in.Resources))
	for i, res := range in.Resources {
		resources[i] = controller.AlterConfigsResource{Type: metadata.ConfigResourceType(res.ResourceType), Name: res.ResourceName}
		for _, c := range res.Configs {
			resources[i].Configs = append(resources[i].Configs, controller.AlterConfig{Name: c.Name, Value: c.Value})
		}
	}
	errs := r.alterConfigResources(ctx, resources, make([]error, len(resources)), false, in.ValidateOnly)
	for i, res := range in.Resources {
		out := kmsg.NewAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
		out.ErrorCode, out.ErrorMessage = errorCode(errs[i]), errorMessage(errs[i])
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

// alterConfigResources sends the resources without an error in errs to the
// controller in one call and returns each resource's outcome, in order.
// errs holds what the handler already rejected; it is filled in and
// returned.
func (r *Router) alterConfigResources(ctx context.Context, resources []controller.AlterConfigsResource, errs []error, incremental, validateOnly bool) []error {
	ctx, cancel := context.WithTimeout(ctx, alterConfigsTimeout)
	defer cancel()
	var send []controller.AlterConfigsResource
	var index []int
	for i, res := range resources {
		if errs[i] == nil {
			send = append(send, res)
			index = append(index, i)
		}
	}
	if len(send) == 0 {
		return errs
	}
	for i, res := range r.deps.Controller.AlterConfigs(ctx, send, incremental, validateOnly) {
		errs[index[i]] = res.Err
	}
	return errs
}
