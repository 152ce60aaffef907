// Package power starts, stops, restarts, pauses, unpauses, soft-reboots and migrates the VMs of
// Machines across clusters, each with KubeVirt's own subresource call on the Machine's remote
// cluster (PUT /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachines/VM/start, …), as
// virtctl sends it.
//
// A run has two phases, as create's: Plan resolves every Machine read-only (as status does:
// nothing recorded), reads each (cluster, namespace) with one VM list and one VMI list, never a
// request per Machine, and decides each Machine's action from what it read: a call, a no-op
// ("already running"), "not provisioned", or a failure. Apply sends the calls through the write
// seam (pkg/write, which owns the dry run), in parallel. Wait follows the VMs to the state the verb
// asks for.
package power

import (
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// Verb is one power action.
type Verb struct {
	// Name is the command: start, stop, restart, pause, unpause, soft-reboot, migrate.
	Name string
	// Subresource is KubeVirt's: start, stop, restart, migrate on virtualmachines; pause,
	// unpause, softreboot on virtualmachineinstances.
	Subresource string
	// OnVMI says the call goes to the VMI (virtualmachineinstances).
	OnVMI bool
	// Disruptive verbs ask before acting on a selection.
	Disruptive bool
	// ServerDryRun says KubeVirt honours a dry run in the verb's options.
	ServerDryRun bool
	// Done is the report's action after an accepted call ("started"; "migrating": KubeVirt
	// accepted the migration, which then runs).
	Done string
	// Goal is the state --wait waits for.
	Goal string
}

// The states --wait waits for.
const (
	Running  = "Running"
	Stopped  = "Stopped"
	Paused   = "Paused"
	Migrated = "Migrated"
)

// Verbs are the seven verbs, in the order of the commands.
func Verbs() []Verb {
	return []Verb{
		{Name: "start", Subresource: "start", ServerDryRun: true, Done: "started", Goal: Running},
		{Name: "stop", Subresource: "stop", Disruptive: true, ServerDryRun: true, Done: "stopped", Goal: Stopped},
		{Name: "restart", Subresource: "restart", Disruptive: true, ServerDryRun: true, Done: "restarted", Goal: Running},
		{Name: "pause", Subresource: "pause", OnVMI: true, Disruptive: true, ServerDryRun: true, Done: "paused", Goal: Paused},
		{Name: "unpause", Subresource: "unpause", OnVMI: true, ServerDryRun: true, Done: "unpaused", Goal: Running},
		{Name: "soft-reboot", Subresource: "softreboot", OnVMI: true, Disruptive: true, Done: "soft-rebooted", Goal: Running},
		{Name: "migrate", Subresource: "migrate", Disruptive: true, ServerDryRun: true, Done: "migrating", Goal: Migrated},
	}
}

// Lookup finds a verb by name.
func Lookup(name string) (Verb, bool) {
	for _, v := range Verbs() {
		if v.Name == name {
			return v, true
		}
	}
	return Verb{}, false
}

// Would is the report's action in a dry run ("would start").
func (v Verb) Would() string { return "would " + v.Name }

// Resource is the subresource call's resource.
func (v Verb) Resource() string {
	if v.OnVMI {
		return "virtualmachineinstances"
	}
	return "virtualmachines"
}

// Options of a run.
type Options struct {
	// GracePeriod is stop's --grace-period (nil: the VMI's own); Force makes it 0.
	GracePeriod *int64
	// Workers is how many calls are in flight at once per cluster (0: 32, the clients' own bound).
	Workers int
	// Poll is how often --wait reads the lists (0: every second).
	Poll time.Duration
}

// body is the JSON options of a verb's call, with KubeVirt's dry run when dryRun: StopOptions,
// RestartOptions, MigrateOptions, StartOptions, PauseOptions, UnpauseOptions from kubevirt.io/api;
// softreboot takes none.
func (v Verb) body(o Options, dryRun bool) ([]byte, error) {
	var dr []string
	if dryRun {
		dr = []string{metav1.DryRunAll}
	}
	var opts any
	switch v.Subresource {
	case "start":
		opts = kubevirtv1.StartOptions{DryRun: dr}
	case "stop":
		opts = kubevirtv1.StopOptions{GracePeriod: o.GracePeriod, DryRun: dr}
	case "restart":
		opts = kubevirtv1.RestartOptions{DryRun: dr}
	case "migrate":
		opts = kubevirtv1.MigrateOptions{DryRun: dr}
	case "pause":
		opts = kubevirtv1.PauseOptions{DryRun: dr}
	case "unpause":
		opts = kubevirtv1.UnpauseOptions{DryRun: dr}
	default:
		return nil, nil
	}
	b, err := json.Marshal(opts)
	if err != nil {
		return nil, fmt.Errorf("%s options: %w", v.Name, err)
	}
	return b, nil
}
