package render

import (
	"fmt"
	"strings"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	"k8s.io/apimachinery/pkg/util/validation"
)

var (
	dns1123Label     = validation.IsDNS1123Label
	dns1123Subdomain = validation.IsDNS1123Subdomain
)

// checkName reports why a name is not valid under check, or nil.
func checkName(what, name string, check func(string) []string) error {
	if errs := check(name); len(errs) > 0 {
		return fmt.Errorf("%s %q is not valid: %s", what, name, strings.Join(errs, "; "))
	}
	return nil
}

// validateMachineNames checks the Machine's own name and namespace: both become remote names.
func validateMachineNames(m *vitistackv1alpha1.Machine) error {
	if m.Namespace == "" {
		return fmt.Errorf("metadata.namespace: the Machine has no namespace")
	}
	if err := checkName("namespace", m.Namespace, dns1123Label); err != nil {
		return fmt.Errorf("metadata.namespace: %w", err)
	}
	if err := checkName("Machine name", m.Name, dns1123Subdomain); err != nil {
		return fmt.Errorf("metadata.name: %w", err)
	}
	return nil
}
