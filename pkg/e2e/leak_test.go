package e2e

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

// TestNoSecretReachesOutputOrLogsAtAnyVerbosity runs create (with --diff and -o) and ns-sync at
// every -v from 0 to 10 and looks for the remote's client key, its certificate and cloud-init user
// data in everything the plugin prints. Deliberately, -o's standard output is the one exception for
// cloud-init data: it prints the objects as they would be stored, the cloud-init Secret with its data
// (as kubectl create -o yaml does; TestOutputPrintsTheCloudInitSecretAsItWouldBeStored); the
// kubeconfig's credentials never show there either, and standard error (report, logs) never shows any.
func TestNoSecretReachesOutputOrLogsAtAnyVerbosity(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	const canary = "CANARY-hunter2-userdata"
	const fromSecret = "CANARY-networkdata-from-a-secret"
	// Cloud-init read from a Secret on the supervisor goes into a Secret on the remote: neither may show.
	s.create(t, s.env.Supervisor, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leak-net\n  namespace: "+ns+"\nstringData:\n  networkdata: "+fromSecret+"\n")
	file := writeFile(t, "m.yaml", machineYAML(ns, "leaky", annotation(remoteA),
		"  cloudInit:\n    userData: \"#cloud-config\\npassword: "+canary+"\\n\"\n    networkDataSecretRef:\n      name: leak-net\n  userData: "+canary+"\n"))
	cfg, err := clientcmd.Load(s.env.Remote(remoteA).Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	user := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	// cloudInit are the secrets -o prints on standard output on purpose.
	cloudInit := map[string]bool{"cloud-init user data": true, "cloud-init network data from a Secret": true, "cloud-init network data from a Secret, as base64": true}
	secrets := map[string]string{
		"cloud-init user data":                             canary,
		"cloud-init network data from a Secret":            fromSecret,
		"cloud-init network data from a Secret, as base64": base64.StdEncoding.EncodeToString([]byte(fromSecret)),
		"client key (PEM)":                                 string(user.ClientKeyData[40:100]),
		"client certificate":                               string(user.ClientCertificateData[40:100]),
		"kubeconfig Secret":                                "client-key-data",
	}
	sawRedaction := false
	for v := 0; v <= 10; v++ {
		for _, args := range [][]string{
			{"create", "-f", file, "--dry-run=server", "--diff"},
			{"create", "-f", file, "--dry-run=server", "-o", "yaml"},
			{"diff", "-f", file},
		} {
			r := s.plugin(t, append(args, fmt.Sprintf("-v=%d", v))...)
			if r.code > 1 {
				t.Fatalf("-v=%d %v:\n%s", v, args, r)
			}
			objectStream := args[len(args)-2] == "-o"
			for what, secret := range secrets {
				shown := r.stderr
				if !objectStream || !cloudInit[what] {
					shown += r.stdout
				}
				if strings.Contains(shown, secret) {
					t.Errorf("-v=%d %v: %s leaked", v, args, what)
				}
			}
			sawRedaction = sawRedaction || strings.Contains(r.stderr, "not logged by kubectl-vitimachine")
		}
	}
	if !sawRedaction {
		t.Error("no redacted body seen at -v=8..10: the sweep did not exercise body logging")
	}
	// The Machine is created for real once, so that ns-sync and re-runs read it back from the server.
	mustSucceed(t, s.plugin(t, "create", "-f", file))
	for v := 0; v <= 10; v++ {
		r := s.plugin(t, "create", "-n", ns, "leaky", fmt.Sprintf("-v=%d", v))
		for what, secret := range secrets {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("-v=%d create by name: %s leaked", v, what)
			}
		}
	}
}
