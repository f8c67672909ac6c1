package api

// IncrementalAlterConfigs: v0-1 advertised, v0-1 served.
//
// Behavior:
//   - KIP-339: each listed config applies its operation to the resource's
//     dynamic configs, and unlisted ones stay: SET (0) sets the value,
//     DELETE (1) removes the override (back to the broker default), APPEND
//     (2) and SUBTRACT (3) add or remove comma-separated items of a list
//     config. APPEND and SUBTRACT on a config that is not a list are
//     INVALID_CONFIG, as in Kafka; they work on the dynamic value only, so
//     appending to a config without an override starts from the empty list.
//   - An unknown operation, a missing value for SET/APPEND/SUBTRACT, a config
//     named twice, a resource named twice, a broker name that is not "" or
//     an id, or a resource type other than TOPIC and BROKER:
//     INVALID_REQUEST. The resulting set is validated as for AlterConfigs
//     (INVALID_CONFIG with the reason), an unknown topic is
//     UNKNOWN_TOPIC_OR_PARTITION. Each resource succeeds or fails on its own.
//   - ValidateOnly checks everything and changes nothing.
//   - As with AlterConfigs, the controller commits before the answer and
//     the broker applies committed topic configs to the logs right after.

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/config"
	"github.com/samsa-io/samsa/internal/controller"
	"github.com/samsa-io/samsa/internal/metadata"
)

func (r *Router) incrementalAlterConfigs(ctx context.Context, rc *requestContext, req kmsg.Request) (kmsg.Response, error) {
	in := req.(*kmsg.IncrementalAlterConfigsRequest)
	resp := kmsg.NewPtrIncrementalAlterConfigsResponse()
	resp.Version = rc.version
	resources := make([]controller.AlterConfigsResource, len(in.Resources))
	errs := make([]error, len(in.Resources))
	for i, res := range in.Resources {
		resources[i] = controller.AlterConfigsResource{Type: metadata.ConfigResourceType(res.ResourceType), Name: res.ResourceName}
		for _, c := range res.Configs {
			op := controller.ConfigOp(c.Op)
			if err := checkListOp(c.Name, op); err != nil && errs[i] == nil {
				errs[i] = err
			}
			resources[i].Configs = append(resources[i].Configs, controller.AlterConfig{Name: c.Name, Op: op, Value: c.Value})
		}
	}
	errs = r.alterConfigResources(ctx, resources, errs, true, in.ValidateOnly)
	for i, res := range in.Resources {
		out := kmsg.NewIncrementalAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = res.ResourceType, res.ResourceName
		out.ErrorCode, out.ErrorMessage = errorCode(errs[i]), errorMessage(errs[i])
		resp.Resources = append(resp.Resources, out)
	}
	return resp, nil
}

// checkListOp rejects APPEND and SUBTRACT on a known config that is not a
// list. The check is here, not in the controller, because the controller
// does not know config types (it takes validators from its Options); an
// unknown name is left for the controller's validation to report.
func checkListOp(name string, op controller.ConfigOp) error {
	if op != controller.ConfigAppend && op != controller.ConfigSubtract {
		return nil
	}
	k, ok := config.Lookup(name)
	if !ok || k.Type == config.TypeList {
		return nil
	}
	verb := "append to"
	if op == controller.ConfigSubtract {
		verb = "subtract from"
	}
	return fmt.Errorf("%w: cannot %s %q: its type is %s, not list", controller.ErrInvalidConfig, verb, name, k.Type)
}
