package doctor

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/vitistack/kubectl-vitimachine/pkg/access"
	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// permissions are one row per command with rules on the cluster's role: ok when the caller holds
// every verb of the command's rules, fail with the RBAC rules to add when not (warn when only
// optional rules are missing).
func (d *Doctor) permissions(ctx context.Context, c *cluster.Client, role cluster.Role, scopes access.Scopes, who, file string) []Check {
	verdicts := access.Review(ctx, c, role, scopes, d.concurrency())
	var rows []Check
	for _, v := range verdicts {
		if v.Verbs == 0 {
			continue
		}
		row := Check{Check: "permissions " + string(v.Command), Cluster: c.ID.Name}
		switch {
		case v.Err != nil:
			row.Result, row.Detail = Fail, "could not ask: "+d.words(v.Err)
		case len(v.Missing) == 0:
			row.Result, row.Detail = OK, fmt.Sprintf("all %d verbs allowed", v.Verbs)
		case v.Optional():
			row.Result, row.Detail = Warn, fmt.Sprintf("missing (optional) %s; without them %s does not work; grant them to %s (%s)",
				access.MissingRules(v.Missing), v.Command, who, file)
		default:
			row.Result, row.Detail = Fail, fmt.Sprintf("missing %s; grant them to %s (%s has them all)", access.MissingRules(v.Missing), who, file)
		}
		rows = append(rows, row)
	}
	return rows
}

// remoteScopes are the namespaces that matter on a remote cluster: those of its Machines.
func remoteScopes(s *survey, r remoteTarget, o Options) access.Scopes {
	return access.Scopes{MachineNamespaces: namespaces(s.machinesOn(r), o)}
}

// grantFix is what to do about a failed supervisor read: the grant when it was forbidden.
func grantFix(err error, grant string) string {
	if apierrors.IsForbidden(err) {
		return "grant " + grant
	}
	return "check that the supervisor answers"
}
