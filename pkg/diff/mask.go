package diff

// secretPaths are fields whose values never appear in a diff: cloud-init user data and network data
// (they carry passwords and keys) and Secret data.
var secretPaths = [][]string{
	{"spec", "userData"},
	{"spec", "cloudInit", "userData"},
	{"spec", "cloudInit", "userDataBase64"},
	{"spec", "cloudInit", "networkData"},
	{"spec", "cloudInit", "networkDataBase64"},
	{"data"},
	{"stringData"},
}

// lastApplied is kubectl's copy of the whole object, user data included.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// Masked is what a secret value is replaced with.
const Masked = "***"

// Mask returns a copy of obj with secret-like values replaced by Masked. For Secrets every value
// under data and stringData is masked, keys are kept. In a VirtualMachine, cloud-init data written
// inline in its volumes (as the kubevirt-operator does) is masked too.
func Mask(obj map[string]any) map[string]any {
	out := deepCopy(obj).(map[string]any)
	isSecret := out["kind"] == "Secret"
	for _, p := range secretPaths {
		if (p[0] == "data" || p[0] == "stringData") && !isSecret {
			continue
		}
		maskPath(out, p)
	}
	maskCloudInitVolumes(out)
	if meta, ok := out["metadata"].(map[string]any); ok {
		if a, ok := meta["annotations"].(map[string]any); ok {
			if _, ok := a[lastApplied]; ok {
				a[lastApplied] = Masked
			}
		}
	}
	return out
}

func maskPath(m map[string]any, path []string) {
	v, ok := m[path[0]]
	if !ok {
		return
	}
	if len(path) > 1 {
		if child, ok := v.(map[string]any); ok {
			maskPath(child, path[1:])
		}
		return
	}
	if inner, ok := v.(map[string]any); ok {
		for k := range inner {
			inner[k] = Masked
		}
		return
	}
	m[path[0]] = Masked
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}

// cloudInitSources are the volume sources of a VirtualMachine that may carry cloud-init data inline,
// and cloudInitKeys the keys that hold it.
var (
	cloudInitSources = []string{"cloudInitNoCloud", "cloudInitConfigDrive"}
	cloudInitKeys    = []string{"userData", "userDataBase64", "networkData", "networkDataBase64"}
)

// maskCloudInitVolumes masks inline cloud-init data in spec.template.spec.volumes.
func maskCloudInitVolumes(obj map[string]any) {
	spec, _ := obj["spec"].(map[string]any)
	template, _ := spec["template"].(map[string]any)
	podSpec, _ := template["spec"].(map[string]any)
	volumes, _ := podSpec["volumes"].([]any)
	for _, v := range volumes {
		vol, _ := v.(map[string]any)
		for _, src := range cloudInitSources {
			ci, ok := vol[src].(map[string]any)
			if !ok {
				continue
			}
			for _, k := range cloudInitKeys {
				if _, ok := ci[k]; ok {
					ci[k] = Masked
				}
			}
		}
	}
}
