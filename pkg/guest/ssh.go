package guest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SSH is how the local OpenSSH client (ssh, scp) reaches a Machine: through this plugin's own
// "port-forward --stdio" as its ProxyCommand, the host key checked under an alias naming the
// Machine (vitimachine/NAMESPACE/NAME), never an address.
type SSH struct {
	Namespace, Machine string
	// Proxy is the command line of the plugin's port-forward, without the port: the binary, then
	// "port-forward --stdio", the flags that find the Machine's cluster, "-n NS", and NAME.
	Proxy []string
	// Port is the guest's ssh port (22).
	Port int
	// User is the login ("" for ssh's own default); Identity a private key file ("" for none).
	User, Identity string
	// KnownHosts is the known-hosts file the host key is checked against.
	KnownHosts string
}

// HostKeyAlias names a Machine's host key in known-hosts files.
func HostKeyAlias(namespace, name string) string {
	return "vitimachine/" + namespace + "/" + name
}

// Options are the ssh/scp options, before the user's own: ProxyCommand, HostKeyAlias,
// UserKnownHostsFile, and -i and the user when given. Ports are ProxyCommand's business, so ssh's
// own port stays unset.
func (s SSH) Options() []string {
	proxy := append(append([]string{}, s.Proxy...), strconv.Itoa(s.Port))
	out := []string{
		"-o", "ProxyCommand=" + ShellQuote(proxy),
		"-o", "HostKeyAlias=" + HostKeyAlias(s.Namespace, s.Machine),
	}
	if s.KnownHosts != "" {
		out = append(out, "-o", "UserKnownHostsFile="+s.KnownHosts)
	}
	if s.Identity != "" {
		out = append(out, "-o", "IdentitiesOnly=yes", "-i", s.Identity)
	}
	if s.User != "" {
		out = append(out, "-o", "User="+s.User)
	}
	return out
}

// ShellQuote joins words into one line the shell reads back as those words (ssh runs ProxyCommand
// through the user's shell).
func ShellQuote(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,@%+") == "" {
			q[i] = w
			continue
		}
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// ParseTarget reads ssh's [USER@]NAME.
func ParseTarget(s string) (user, name string, err error) {
	if i := strings.LastIndex(s, "@"); i >= 0 {
		user, s = s[:i], s[i+1:]
		if user == "" {
			return "", "", fmt.Errorf("%q: empty user before @", user+"@"+s)
		}
	}
	if s == "" || strings.ContainsAny(s, ":/") {
		return "", "", fmt.Errorf("%q is not [USER@]NAME of a Machine", s)
	}
	return user, s, nil
}

// SCPArgs finds the one remote operand of scp's arguments, [USER@]NAME:PATH (a local path with a
// colon is written ./PATH, as for scp), and returns its user and Machine; the operand is kept as
// it is, since the ProxyCommand, not the host, says where ssh connects.
func SCPArgs(args []string) (user, name string, err error) {
	found := -1
	for i, a := range args {
		if strings.HasPrefix(a, "-") || strings.HasPrefix(a, "/") || strings.HasPrefix(a, ".") {
			continue
		}
		host, _, ok := strings.Cut(a, ":")
		if !ok {
			continue
		}
		if found >= 0 {
			return "", "", errors.New("copy between this computer and one Machine: give one [USER@]NAME:PATH")
		}
		found = i
		if user, name, err = ParseTarget(host); err != nil {
			return "", "", err
		}
	}
	if found < 0 {
		return "", "", errors.New("name the Machine's side as [USER@]NAME:PATH")
	}
	return user, name, nil
}
