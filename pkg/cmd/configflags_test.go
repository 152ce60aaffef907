package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// TestConfigFlagsAreKubectls compares ConfigFlags with cli-runtime's genericclioptions.ConfigFlags,
// which it replaces on the start-up path: the same flags (names, shorthands, types, defaults, help
// texts) and, for the same command line, the same REST config and namespace.
func TestConfigFlagsAreKubectls(t *testing.T) {
	ours, theirs := pflag.NewFlagSet("ours", pflag.ContinueOnError), pflag.NewFlagSet("theirs", pflag.ContinueOnError)
	o, k := NewConfigFlags(), genericclioptions.NewConfigFlags(true)
	o.AddFlags(ours)
	k.AddFlags(theirs)
	describe := func(fs *pflag.FlagSet) map[string][4]string {
		m := map[string][4]string{}
		fs.VisitAll(func(f *pflag.Flag) { m[f.Name] = [4]string{f.Shorthand, f.Value.Type(), f.DefValue, f.Usage} })
		return m
	}
	if a, b := describe(ours), describe(theirs); !reflect.DeepEqual(a, b) {
		t.Fatalf("flags differ:\nours:   %v\nkubectl: %v", a, b)
	}

	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- {name: a, cluster: {server: "https://a.example:6443"}}
- {name: b, cluster: {server: "https://b.example:6443"}}
users:
- {name: u, user: {token: t1}}
- {name: v, user: {token: t2}}
contexts:
- {name: one, context: {cluster: a, user: u, namespace: ns1}}
- {name: two, context: {cluster: b, user: v}}
current-context: one
`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--kubeconfig", kubeconfig},
		{"--kubeconfig", kubeconfig, "--context", "two", "-n", "x"},
		{"--kubeconfig", kubeconfig, "--cluster", "b", "--user", "v", "--request-timeout", "5s", "--insecure-skip-tls-verify"},
		{"--kubeconfig", kubeconfig, "--as", "someone", "--as-group", "g1", "--as-group", "g2", "--as-uid", "1", "--as-user-extra", "k=v1", "--as-user-extra", "k=v2", "--as-user-extra", "bad"},
		{"--kubeconfig", kubeconfig, "-s", "https://c.example", "--token", "t3", "--tls-server-name", "n", "--proxy-url", "http://p.example:3128", "--disable-compression"},
	} {
		ours, theirs := pflag.NewFlagSet("ours", pflag.ContinueOnError), pflag.NewFlagSet("theirs", pflag.ContinueOnError)
		o, k := NewConfigFlags(), genericclioptions.NewConfigFlags(true)
		o.AddFlags(ours)
		k.AddFlags(theirs)
		if err := ours.Parse(args); err != nil {
			t.Fatal(err)
		}
		if err := theirs.Parse(args); err != nil {
			t.Fatal(err)
		}
		a, errA := o.ToRESTConfig()
		b, errB := k.ToRESTConfig()
		if (errA == nil) != (errB == nil) {
			t.Fatalf("%v: errors differ: %v / %v", args, errA, errB)
		}
		a.Proxy, b.Proxy = nil, nil // functions: compared through ProxyURL below
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%v: REST configs differ:\nours:    %+v\nkubectl: %+v", args, a, b)
		}
		nsA, explicitA, _ := o.ToRawKubeConfigLoader().Namespace()
		nsB, explicitB, _ := k.ToRawKubeConfigLoader().Namespace()
		if nsA != nsB || explicitA != explicitB {
			t.Errorf("%v: namespace %q (explicit %v), kubectl's %q (explicit %v)", args, nsA, explicitA, nsB, explicitB)
		}
	}
}

// TestConfigFlagsWithoutKubeconfigAsKubectl: with no kubeconfig anywhere the outcome is kubectl's.
func TestConfigFlagsWithoutKubeconfigAsKubectl(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "missing"))
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	cfg, err := NewConfigFlags().ToRESTConfig()
	want, wantErr := genericclioptions.NewConfigFlags(true).ToRESTConfig()
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("error %v, kubectl's %v", err, wantErr)
	}
	if (cfg == nil) != (want == nil) || (cfg != nil && cfg.Host != want.Host) {
		t.Errorf("config %+v, kubectl's %+v", cfg, want)
	}
	_, rawErr := NewConfigFlags().ToRawKubeConfigLoader().RawConfig()
	_, wantRawErr := genericclioptions.NewConfigFlags(true).ToRawKubeConfigLoader().RawConfig()
	if fmt.Sprint(rawErr) != fmt.Sprint(wantRawErr) {
		t.Errorf("raw config error %v, kubectl's %v", rawErr, wantRawErr)
	}
}
