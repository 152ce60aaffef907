package render

import (
	"encoding/base64"
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
)

// Cloud-init as the operator does it, and better: the data is never inlined in the VirtualMachine. It
// goes into a Secret "<vm>-cloudinit" on the remote cluster, which the VM's cloud-init volume
// references, so whoever can read VMs cannot read it.

// The keys of the cloud-init data, in the sources the Machine names (by default) and in the Secret
// the plugin creates (the keys KubeVirt reads).
const (
	KeyUserData    = "userdata"
	KeyNetworkData = "networkdata"
	// DefaultUserData is the operator's user data when a Machine gives none.
	DefaultUserData = "#cloud-config\n"
	cloudInitVolume = "cloudinitdisk"
)

// CloudInitRef is a Secret or ConfigMap key a Machine's cloud-init reads on the supervisor, in the
// Machine's namespace, and the field that names it.
type CloudInitRef struct {
	Kind  string // "Secret" or "ConfigMap"
	Name  string
	Key   string
	Field string // e.g. spec.cloudInit.userDataSecretRef
}

// CloudInitRefs lists the Secret and ConfigMap keys the Machine's cloud-init reads: for user data
// and network data, the source the operator's priority picks (inline, base64, Secret, ConfigMap).
func CloudInitRefs(m *vitistackv1alpha1.Machine) []CloudInitRef {
	ci := m.Spec.CloudInit
	if ci == nil {
		return nil
	}
	var out []CloudInitRef
	for _, d := range dataSources(ci) {
		if d.ref != nil {
			out = append(out, *d.ref)
		}
	}
	return out
}

// source is where one of user data or network data comes from: at most one of inline, base64 and
// ref is set, none when the Machine gives no such data.
type source struct {
	inline string
	base64 string
	field  string // of base64
	ref    *CloudInitRef
}

func dataSources(ci *vitistackv1alpha1.CloudInitConfig) [2]source {
	pick := func(inline, b64 string, secret *vitistackv1alpha1.CloudInitSecretRef, cm *vitistackv1alpha1.CloudInitConfigMapRef, what, defKey string) source {
		switch {
		case inline != "":
			return source{inline: inline}
		case b64 != "":
			return source{base64: b64, field: "spec.cloudInit." + what + "Base64"}
		case secret != nil:
			return source{ref: &CloudInitRef{Kind: "Secret", Name: secret.Name, Key: orDefault(secret.Key, defKey), Field: "spec.cloudInit." + what + "SecretRef"}}
		case cm != nil:
			return source{ref: &CloudInitRef{Kind: "ConfigMap", Name: cm.Name, Key: orDefault(cm.Key, defKey), Field: "spec.cloudInit." + what + "ConfigMapRef"}}
		}
		return source{}
	}
	return [2]source{
		pick(ci.UserData, ci.UserDataBase64, ci.UserDataSecretRef, ci.UserDataConfigMapRef, "userData", KeyUserData),
		pick(ci.NetworkData, ci.NetworkDataBase64, ci.NetworkDataSecretRef, ci.NetworkDataConfigMapRef, "networkData", KeyNetworkData),
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// CloudInit is a Machine's resolved cloud-init data.
type CloudInit struct {
	UserData    []byte
	NetworkData []byte // nil when there is none
	ConfigDrive bool
}

// ResolveCloudInit reads the Machine's cloud-init from its spec and from values, the data of the
// keys CloudInitRefs lists (a missing entry is a key that is not there). nil without spec.cloudInit.
func ResolveCloudInit(m *vitistackv1alpha1.Machine, values map[CloudInitRef][]byte) (*CloudInit, error) {
	ci := m.Spec.CloudInit
	if ci == nil {
		return nil, nil
	}
	out := &CloudInit{ConfigDrive: ci.Type == vitistackv1alpha1.CloudInitTypeConfigDrive}
	if ci.Type != "" && ci.Type != vitistackv1alpha1.CloudInitTypeNoCloud && !out.ConfigDrive {
		return nil, fmt.Errorf("spec.cloudInit.type: %q is not noCloud or configDrive", ci.Type)
	}
	srcs := dataSources(ci)
	for i, s := range srcs {
		var data []byte
		switch {
		case s.inline != "":
			data = []byte(s.inline)
		case s.base64 != "":
			b, err := base64.StdEncoding.DecodeString(s.base64)
			if err != nil {
				return nil, fmt.Errorf("%s: not base64: %v", s.field, err)
			}
			data = b
		case s.ref != nil:
			v, ok := values[*s.ref]
			if !ok {
				return nil, fmt.Errorf("%s: %s %q has no key %q (add the key, or name another with %s.key)", s.ref.Field, s.ref.Kind, m.Namespace+"/"+s.ref.Name, s.ref.Key, s.ref.Field)
			}
			data = v
		default:
			continue
		}
		if i == 0 {
			out.UserData = data
		} else {
			out.NetworkData = data
		}
	}
	if out.UserData == nil {
		out.UserData = []byte(DefaultUserData)
	}
	return out, nil
}

// CloudInitSecretName is the name of the Secret holding a VM's cloud-init data.
func CloudInitSecretName(vm string) string { return vm + "-cloudinit" }

// newCloudInitSecret holds the data under KubeVirt's keys, labelled like the PVCs.
func newCloudInitSecret(vm, namespace string, labels map[string]string, ci *CloudInit) *corev1.Secret {
	data := map[string][]byte{KeyUserData: ci.UserData}
	if ci.NetworkData != nil {
		data[KeyNetworkData] = ci.NetworkData
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: CloudInitSecretName(vm), Namespace: namespace, Labels: copyLabels(labels)},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
}

// withCloudInit adds the cloud-init disk (virtio, after every other disk, as the operator does) and
// its volume, NoCloud or ConfigDrive, referencing the Secret.
func withCloudInit(vm *kubevirtv1.VirtualMachine, secret *corev1.Secret, ci *CloudInit) {
	spec := &vm.Spec.Template.Spec
	spec.Domain.Devices.Disks = append(spec.Domain.Devices.Disks, kubevirtv1.Disk{
		Name:       cloudInitVolume,
		DiskDevice: kubevirtv1.DiskDevice{Disk: &kubevirtv1.DiskTarget{Bus: kubevirtv1.DiskBusVirtio}},
	})
	ref := &corev1.LocalObjectReference{Name: secret.Name}
	var netRef *corev1.LocalObjectReference
	if ci.NetworkData != nil {
		netRef = ref
	}
	vol := kubevirtv1.Volume{Name: cloudInitVolume}
	if ci.ConfigDrive {
		vol.CloudInitConfigDrive = &kubevirtv1.CloudInitConfigDriveSource{UserDataSecretRef: ref, NetworkDataSecretRef: netRef}
	} else {
		vol.CloudInitNoCloud = &kubevirtv1.CloudInitNoCloudSource{UserDataSecretRef: ref, NetworkDataSecretRef: netRef}
	}
	spec.Volumes = append(spec.Volumes, vol)
}
