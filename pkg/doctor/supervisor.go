package doctor

import (
	"fmt"
	"strings"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// installVitistack is the fix for a missing vitistack CRD.
const installVitistack = "install the vitistack CRDs on the supervisor (the crds/ folder of github.com/vitistack/common)"

// maxNamed caps the Machines a detail names; the rest are counted.
const maxNamed = 5

// supervisorRows are the supervisor's checks that follow from the survey: the CRDs, the
// KubevirtConfigs and the Machines.
func (d *Doctor) supervisorRows(s *survey) []Check {
	name := cluster.SupervisorID.Name
	var rows []Check
	for _, r := range []cluster.Resource{cluster.Machines, cluster.KubevirtConfigs, cluster.MachineClasses} {
		rows = append(rows, crdRow(name, r, s.served, s.servedErr, Fail, installVitistack))
	}
	var networked []string
	for _, m := range s.machines {
		if m.networkNamespace != "" {
			networked = append(networked, m.key())
		}
	}
	for _, r := range []cluster.Resource{cluster.NetworkNamespaces, cluster.NetworkConfigurations} {
		row := crdRow(name, r, s.served, s.servedErr, Fail, installVitistack)
		if row.Result == Fail && s.servedErr == nil && len(networked) == 0 {
			row.Result, row.Detail = OK, "not installed; no Machine uses networks (spec.network.networkNamespaceName)"
		} else if row.Result == Fail && s.servedErr == nil {
			row.Detail = fmt.Sprintf("not installed, and Machines use networks (spec.network.networkNamespaceName): %s; %s", named(networked), installVitistack)
		}
		if r == cluster.NetworkNamespaces && row.Result == OK && s.networksErr != nil {
			row.Result, row.Detail = Warn, fmt.Sprintf("served, but list NetworkNamespaces: %v; which Machines need Multus is unknown (%s)",
				s.networksErr, grantFix(s.networksErr, "list on networknamespaces.vitistack.io"))
		}
		rows = append(rows, row)
	}
	return append(rows, d.configsRow(s), d.machinesRow(s))
}

// crdRow checks that a resource's group-version serves it; absent is bad.
func crdRow(clusterName string, r cluster.Resource, served map[string]bool, err error, bad Result, fix string) Check {
	row := Check{Check: "crd " + crdName(r), Cluster: clusterName}
	switch {
	case err != nil && !isNotFound(err):
		row.Result, row.Detail = Fail, fmt.Sprintf("discovery of %s: %v", r.APIVersion(), err)
	case served[r.GVR.Resource]:
		row.Result, row.Detail = OK, "served ("+r.APIVersion()+")"
	default:
		row.Result, row.Detail = bad, fmt.Sprintf("%s does not serve %s: %s", r.APIVersion(), r.GVR.Resource, fix)
	}
	return row
}

// crdName is a resource's CRD name, "plural.group".
func crdName(r cluster.Resource) string { return r.GVR.Resource + "." + r.GVR.Group }

func (d *Doctor) configsRow(s *survey) Check {
	row := Check{Check: "kubevirtconfigs", Cluster: cluster.SupervisorID.Name}
	var names []string
	for _, c := range s.configs {
		names = append(names, c.Name)
	}
	switch {
	case s.configsErr != nil:
		row.Result, row.Detail = Fail, s.configsErr.Error()+"; "+grantFix(s.configsErr, "list on kubevirtconfigs.vitistack.io")
	case d.Options.Override:
		row.Result, row.Detail = OK, fmt.Sprintf("%d (%s); not used: --remote-kubeconfig/--remote-context chooses the remote cluster", len(names), orNone(names))
	case d.Options.KubevirtConfig != "" && len(s.remotes) == 0:
		row.Result, row.Detail = Fail, fmt.Sprintf("KubevirtConfig %q not found on the supervisor (have: %s); pass another --kubevirt-config", d.Options.KubevirtConfig, orNone(names))
	case len(names) == 0:
		row.Result, row.Detail = Fail, "none: register a remote cluster (examples/kubevirtconfig.yaml), or pass --remote-kubeconfig to the commands"
	default:
		row.Result, row.Detail = OK, fmt.Sprintf("%d: %s", len(names), strings.Join(names, ", "))
	}
	return row
}

// machinesRow lists the Machines and warns about those a running kubevirt-operator owns.
func (d *Doctor) machinesRow(s *survey) Check {
	row := Check{Check: "machines", Cluster: cluster.SupervisorID.Name}
	where := "in all namespaces"
	if d.Options.Namespace != "" {
		where = "in namespace " + d.Options.Namespace
	}
	if s.machinesErr != nil {
		row.Result, row.Detail = Fail, fmt.Sprintf("list Machines %s: %v; %s", where, s.machinesErr, grantFix(s.machinesErr, "list on machines.vitistack.io, or pass -n NAMESPACE"))
		return row
	}
	var owned []string
	for _, m := range s.machines {
		if m.owned {
			owned = append(owned, m.key())
		}
	}
	if len(owned) > 0 {
		row.Result, row.Detail = Warn, fmt.Sprintf("owned by a running kubevirt-operator (finalizer %s), refused by create unless --force: %s (%d of %s %s)",
			vitistack.Finalizer, named(owned), len(owned), machinesCount(len(s.machines)), where)
		return row
	}
	row.Result, row.Detail = OK, fmt.Sprintf("%s %s; none carries %s", machinesCount(len(s.machines)), where, vitistack.Finalizer)
	return row
}

// named lists names, at most maxNamed, and counts the rest.
func named(names []string) string {
	if len(names) <= maxNamed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s (+%d more)", strings.Join(names[:maxNamed], ", "), len(names)-maxNamed)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func machinesCount(n int) string {
	if n == 1 {
		return "1 Machine"
	}
	return fmt.Sprintf("%d Machines", n)
}
