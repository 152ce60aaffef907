package guest

import (
	"reflect"
	"strings"
	"testing"
)

func TestSSHOptions(t *testing.T) {
	s := SSH{Namespace: "team-a", Machine: "web-1", Port: 2222, User: "fedora", Identity: "/k/id",
		KnownHosts: "/h/known", Proxy: []string{"/bin/kubectl-vitimachine", "port-forward", "--stdio", "--context=it's", "-n", "team-a", "web-1"}}
	want := []string{
		"-o", `ProxyCommand=/bin/kubectl-vitimachine port-forward --stdio '--context=it'\''s' -n team-a web-1 2222`,
		"-o", "HostKeyAlias=vitimachine/team-a/web-1",
		"-o", "UserKnownHostsFile=/h/known",
		"-o", "IdentitiesOnly=yes", "-i", "/k/id",
		"-o", "User=fedora",
	}
	if got := s.Options(); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestTargets(t *testing.T) {
	if u, n, err := ParseTarget("fedora@web-1"); err != nil || u != "fedora" || n != "web-1" {
		t.Errorf("%q %q %v", u, n, err)
	}
	for _, bad := range []string{"", "@web", "web:1", "a/b"} {
		if _, _, err := ParseTarget(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if u, n, err := SCPArgs([]string{"-r", "./a:b", "/tmp/x", "me@web-1:/tmp/"}); err != nil || u != "me" || n != "web-1" {
		t.Errorf("%q %q %v", u, n, err)
	}
	if _, _, err := SCPArgs([]string{"a:/x", "b:/y"}); err == nil || !strings.Contains(err.Error(), "one Machine") {
		t.Errorf("two remotes: %v", err)
	}
	if _, _, err := SCPArgs([]string{"/x", "/y"}); err == nil {
		t.Error("no remote accepted")
	}
}
