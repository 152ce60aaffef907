package e2e

import (
	"encoding/base64"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
)

// noRequests fails the test when the plugin sent any request to any plane since the mark.
func (s *suite) noRequests(t *testing.T, m auditMark, what string) {
	t.Helper()
	for _, p := range s.planes() {
		if ev := s.requests(t, m, p); len(ev) > 0 {
			t.Errorf("%s: %d requests to %s, want none: %v", what, len(ev), p.Name, ev)
		}
	}
}

// refusedLocally runs the plugin and wants a usage error (exit 2 with the usage) that contains
// wants, and not one request to any cluster.
func (s *suite) refusedLocally(t *testing.T, stdin string, args []string, wants ...string) result {
	t.Helper()
	m := s.mark(t)
	r := mustExit(t, s.pluginWith(t, stdin, nil, args...), 2)
	mustContain(t, "stderr", r.stderr, append([]string{"Usage:\n  kubectl vitimachine "}, wants...)...)
	s.noRequests(t, m, strings.Join(args, " "))
	return r
}

func TestEmptyDryRunIsRefusedByEveryCommand(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	s.create(t, s.env.Supervisor, machineYAML(ns, "app", annotation(remoteA), ""))
	file := writeFile(t, "m.yaml", machineYAML(ns, "app", annotation(remoteA), ""))
	for _, args := range [][]string{
		{"create", "-f", file, "--dry-run="},
		{"delete", "-n", ns, "app", "--dry-run="},
		{"ns-sync", "-n", ns, "--dry-run="},
	} {
		s.refusedLocally(t, "", args, `invalid --dry-run ""`, `"none", "client" or "server"`)
	}
	if s.get(t, s.env.Remote(remoteA), cluster.Namespaces, "", ns) != nil {
		t.Error("--dry-run= wrote the namespace")
	}
}

func TestWaitRefusesATimeoutOfZeroOrLessBeforeAnyRequest(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "app", annotation(remoteA), ""))
	for _, args := range [][]string{
		{"create", "-f", file, "--wait", "--timeout=0"},
		{"create", "-f", file, "--wait", "--timeout=-1s"},
		{"delete", "-f", file, "--wait", "--timeout=0s"},
	} {
		s.refusedLocally(t, "", args, "invalid --timeout", "--wait needs a positive duration")
	}
}

func TestSelectorsAreParsedBeforeAnyRequest(t *testing.T) {
	s := needEnv(t)
	for _, cmd := range []string{"status", "create", "diff", "ns-sync"} {
		s.refusedLocally(t, "", []string{cmd, "-l", "a=b,,c"}, `invalid -l "a=b,,c"`)
	}
}

// bare runs the plugin binary itself (no kubectl) with only the given environment, a fresh HOME and
// PATH.
func (s *suite) bare(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(filepath.Join(s.bin, "kubectl-vitimachine"), args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAMissingKubeconfigOrContextSaysWhatIsMissingAndTheFix(t *testing.T) {
	s := needEnv(t)
	file := writeFile(t, "m.yaml", machineYAML("default", "app", annotation(remoteA), ""))
	commands := [][]string{
		{"create", "-f", file}, {"diff", "-f", file}, {"delete", "-f", file}, {"status"}, {"ns-sync"}, {"doctor"},
	}
	empty := writeFile(t, "empty", "")
	cfg, err := clientcmd.LoadFromFile(s.env.Supervisor.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.CurrentContext = ""
	noCurrent := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, noCurrent); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		env   []string
		wants []string
	}{
		{"no kubeconfig", nil, []string{"no kubeconfig found at ", ".kube/config", "--kubeconfig", "KUBECONFIG"}},
		{"an empty kubeconfig", []string{"KUBECONFIG=" + empty}, []string{"the kubeconfig " + empty + " has no contexts", "--kubeconfig", "KUBECONFIG"}},
		{"no current context", []string{"KUBECONFIG=" + noCurrent}, []string{"no current context in the kubeconfig " + noCurrent, `kubectl config use-context`, "--context"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, args := range commands {
				r := mustExit(t, s.bare(t, tc.env, args...), 2)
				mustContain(t, strings.Join(args, " "), r.stderr, tc.wants...)
				if strings.Contains(r.stderr, "8080") {
					t.Errorf("%v: still talks of localhost:8080:\n%s", args, r)
				}
			}
			r := mustSucceed(t, s.bare(t, tc.env, "version"))
			mustContain(t, "version", r.stdout, "Client Version: ")
		})
	}
}

func TestAnUnreachableSupervisorIsNamedWithItsContextServerAndDoctor(t *testing.T) {
	s := needEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := "https://" + l.Addr().String()
	_ = l.Close()
	cfg, err := clientcmd.LoadFromFile(s.env.Supervisor.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	for name, c := range cfg.Contexts {
		delete(cfg.Contexts, name)
		cfg.Contexts["gone-sup"] = c
	}
	cfg.CurrentContext = "gone-sup"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "m.yaml", machineYAML("default", "app", annotation(remoteA), ""))
	for _, args := range [][]string{{"status"}, {"create", "-f", file}, {"ns-sync"}} {
		r := mustExit(t, s.bare(t, []string{"KUBECONFIG=" + path}, args...), 2)
		mustContain(t, strings.Join(args, " "), r.stdout+r.stderr, `cannot reach the supervisor (context "gone-sup", server `+server+")", "connection refused", `"kubectl vitimachine doctor"`)
		if args[0] != "create" && !strings.HasPrefix(r.stderr, "error: cannot reach the supervisor") {
			t.Errorf("%v: the message does not start with what is wrong:\n%s", args, r.stderr)
		}
	}
	// doctor itself says what is wrong in its row, without sending the user to doctor.
	r := mustExit(t, s.bare(t, []string{"KUBECONFIG=" + path}, "doctor"), 2)
	mustContain(t, "doctor", r.stdout, "connection refused")
	if strings.Contains(r.stdout+r.stderr, `with "kubectl vitimachine doctor"`) {
		t.Errorf("doctor sends the user to doctor:\n%s", r)
	}
}

func TestInputThatIsNotAnObjectSaysSo(t *testing.T) {
	s := needEnv(t)
	for _, tc := range []struct{ stdin, what string }{
		{"hello\n", "a string"}, {"- a\n- b\n", "a list"}, {"42\n", "a number"},
	} {
		r := mustExit(t, s.pluginWith(t, tc.stdin, nil, "create", "-f", "-", "--dry-run=client"), 2)
		mustContain(t, "stderr", r.stderr, "<stdin> document 1: not a Kubernetes object: "+tc.what, "apiVersion and kind")
		if strings.Contains(r.stderr, "TypeMeta") {
			t.Errorf("Go type names in the message:\n%s", r)
		}
	}
	m := s.mark(t)
	r := mustExit(t, s.plugin(t, "status", "--request-timeout=abc"), 2)
	mustContain(t, "stderr", r.stderr, `--request-timeout "abc"`)
	s.noRequests(t, m, "status --request-timeout=abc")
}

func TestArgumentMistakesAreExplained(t *testing.T) {
	s := needEnv(t)
	r := s.refusedLocally(t, "", []string{"completion"}, "give a shell: bash, zsh, fish, powershell or kubectl-shim")
	for _, args := range [][]string{{"ns-sync", "extra"}, {"doctor", "extra"}, {"version", "extra"}} {
		r = s.refusedLocally(t, "", args, "kubectl vitimachine "+args[0]+` takes no arguments, got "extra"`)
		if strings.Contains(r.stderr, "unknown command") {
			t.Errorf("%v: %s", args, r.stderr)
		}
	}
	dir := t.TempDir()
	s.refusedLocally(t, "", []string{"completion", "bash", "--install-dir", dir}, "--install-dir applies to kubectl-shim only")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("completion bash --install-dir wrote %v", entries)
	}
	r = mustSucceed(t, s.plugin(t, "completion", "--help"))
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "--format") && strings.Count(line, "default") != 1 {
			t.Errorf("--format's default is not given once: %q", line)
		}
	}
}

func TestNSSyncAndDoctorAcceptAllNamespaces(t *testing.T) {
	s := needEnv(t)
	for _, cmd := range []string{"ns-sync", "doctor"} {
		r := mustSucceed(t, s.plugin(t, cmd, "--help"))
		mustContain(t, cmd+" --help", r.stdout, "-A, --all-namespaces", "the default without -n")
	}
	a := s.plugin(t, "ns-sync", "-A", "--dry-run=client", "-o", "json")
	b := s.plugin(t, "ns-sync", "--dry-run=client", "-o", "json")
	if a.code != b.code || strings.Contains(a.stderr, "unknown shorthand") {
		t.Errorf("ns-sync -A differs from ns-sync:\n%s\n%s", a, b)
	}
	a = s.plugin(t, "doctor", "-A", "-n", "default")
	if strings.Contains(a.stderr, "unknown shorthand") || a.code > 2 {
		t.Errorf("doctor -A:\n%s", a)
	}
}

func TestOutputPrintsTheCloudInitSecretAsItWouldBeStored(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	a := s.env.Remote(remoteA)
	const userData = "#cloud-config\npassword: CANARY-o-yaml\n"
	file := writeFile(t, "m.yaml", machineYAML(ns, "seeded", annotation(remoteA), "  cloudInit:\n    userData: \"#cloud-config\\npassword: CANARY-o-yaml\\n\"\n"))

	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--dry-run=client", "-o", "yaml"))
	var list struct {
		Items []map[string]any `json:"items"`
	}
	if err := yaml.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("-o yaml: %v\n%s", err, r)
	}
	var remote []map[string]any
	for _, it := range list.Items {
		meta, _ := it["metadata"].(map[string]any)
		ann, _ := meta["annotations"].(map[string]any)
		if ann["kubectl-vitimachine.vitistack.io/cluster"] == remoteA {
			remote = append(remote, it)
		}
	}
	if strings.Contains(r.stderr, "CANARY") || strings.Contains(r.stderr, "warning:") {
		t.Errorf("the report shows cloud-init data, or warns though stdout is not a terminal:\n%s", r.stderr)
	}
	// The remote part of the List is what kubectl accepts and stores, cloud-init Secret included.
	b, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": remote})
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, s.kubectl(t, call{args: []string{"create", "-f", "-"}, stdin: string(b), supervisor: a}))
	secret := s.get(t, a, cluster.Secrets, ns, "vm-seeded-cloudinit")
	if secret == nil {
		t.Fatalf("the List's Secret was not stored:\n%s", b)
	}
	got, _, _ := unstructured.NestedString(secret.Object, "data", "userdata")
	if dec, err := base64.StdEncoding.DecodeString(got); err != nil || string(dec) != userData {
		t.Errorf("stored user data %q (%v), want %q", dec, err, userData)
	}

	// --diff still masks it, as kubectl diff does.
	ns2 := s.namespace(t)
	file2 := writeFile(t, "m2.yaml", machineYAML(ns2, "seeded", annotation(remoteA), "  cloudInit:\n    userData: \"#cloud-config\\npassword: CANARY-o-yaml\\n\"\n"))
	r = mustSucceed(t, s.plugin(t, "create", "-f", file2, "--dry-run=client", "--diff"))
	if strings.Contains(r.stdout+r.stderr, "CANARY") || strings.Contains(r.stdout, base64.StdEncoding.EncodeToString([]byte(userData))) {
		t.Errorf("--diff shows cloud-init data:\n%s", r)
	}
	mustContain(t, "--diff", r.stdout, "userdata: ", "***")

	// On a terminal, -o warns on standard error.
	screen := s.onTerminal(t, nil, "create", "-f", file2, "--dry-run=client", "-o", "yaml")
	mustContain(t, "terminal", screen, "warning: the objects below carry cloud-init and Secret data in the clear")
}

func TestFileAndRemoteContextCompletion(t *testing.T) {
	s := needEnv(t)
	for _, cmd := range []string{"create", "diff", "delete"} {
		r := mustSucceed(t, s.plugin(t, "__complete", cmd, "-f", ""))
		// Extensions, then ":8", cobra's ShellCompDirectiveFilterFileExt: the shell offers files with
		// those extensions, and folders.
		if r.stdout != "yaml\nyml\njson\n:8\n" {
			t.Errorf("%s -f completes:\n%s", cmd, r.stdout)
		}
	}
	cfg, err := clientcmd.LoadFromFile(s.env.Supervisor.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Contexts["other-ctx"] = cfg.Contexts[cfg.CurrentContext]
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"__complete", "create", "--remote-context", "oth"},
		{"__complete", "status", "--kubeconfig", path, "--remote-context", "oth"},
	} {
		env := []string{"KUBECONFIG=" + path}
		if args[2] == "--kubeconfig" {
			env = nil
		}
		r := mustSucceed(t, s.pluginWith(t, "", env, args...))
		if !strings.HasPrefix(r.stdout, "other-ctx\n:4\n") {
			t.Errorf("%v completes:\n%s", args, r.stdout)
		}
	}
	r := mustSucceed(t, s.plugin(t, "__complete", "create", "--remote-kubeconfig", path, "--remote-context", ""))
	if strings.Contains(r.stdout, "other-ctx") == false {
		t.Errorf("--remote-context does not complete from --remote-kubeconfig:\n%s", r.stdout)
	}
}

func TestJSONHasOneIndentationAndEveryReportSaysDryRun(t *testing.T) {
	s := needEnv(t)
	ns := s.namespace(t)
	file := writeFile(t, "m.yaml", machineYAML(ns, "app", annotation(remoteB), ""))
	for _, args := range [][]string{
		{"version", "--client", "-o", "json"},
		{"create", "-f", file, "--dry-run=client", "-o", "json"},
		{"create", "-f", file, "--dry-run=client", "--report", "json"},
		{"ns-sync", "-n", ns, "--dry-run=client", "-o", "json"},
		{"doctor", "-n", ns, "--kubevirt-config", remoteB, "-o", "json"},
	} {
		r := s.plugin(t, args...)
		if !strings.HasPrefix(r.stdout, "{\n    \"") {
			t.Errorf("%v: JSON not indented by four spaces, as kubectl's -o json:\n%s", args, r)
		}
	}
	// The reports say dryRun whether or not the run writes.
	r := mustSucceed(t, s.plugin(t, "create", "-f", file, "--report", "json"))
	mustContain(t, "create --report json", r.stdout, `"dryRun": "none"`)
	r = mustSucceed(t, s.plugin(t, "ns-sync", "-n", ns, "-o", "json"))
	mustContain(t, "ns-sync -o json", r.stdout, `"dryRun": "none"`)
}
