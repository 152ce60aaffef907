package render

import (
	"fmt"

	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubevirtv1 "kubevirt.io/api/core/v1"
	cdiv1 "kubevirt.io/containerized-data-importer-api/pkg/apis/core/v1beta1"

	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
)

// ISO boot, as the operator does it: with the annotation kubevirt.io/boot-source: datavolume and an
// image URL in spec.os.imageID, the VM gets a DataVolumeTemplate "<vm>-iso" importing the image
// (Filesystem mode) and a CD-ROM "cdrom-iso" on SATA that boots second, after the boot disk.

const (
	isoVolume = "cdrom-iso"
	// DefaultISOSize is the ISO volume's size when the image's size is not known.
	DefaultISOSize = "8Gi"
)

// ISOName is the name of a VM's ISO DataVolume.
func ISOName(vm string) string { return vm + "-iso" }

// ISOSource is where a Machine's ISO image comes from: "http" (http and https URLs) or "registry".
type ISOSource string

// ISO sources.
const (
	ISOFromHTTP     ISOSource = "http"
	ISOFromRegistry ISOSource = "registry"
)

// WantsISO reports whether the Machine boots an ISO image, and from where. A source type that is
// neither http, https nor registry is refused with its field (the operator creates a DataVolume with no
// source for it).
func WantsISO(m *vitistackv1alpha1.Machine) (bool, ISOSource, error) {
	if m.Annotations[vitistack.AnnotationBootSource] != vitistack.BootSourceDataVolume || m.Spec.OS.ImageID == "" {
		return false, "", nil
	}
	switch t := m.Annotations[vitistack.AnnotationBootSourceType]; t {
	case "", "http", "https":
		return true, ISOFromHTTP, nil
	case "registry":
		return true, ISOFromRegistry, nil
	default:
		return false, "", fmt.Errorf("metadata.annotations[%s]: %q is not http, https or registry", vitistack.AnnotationBootSourceType, t)
	}
}

// ISO is what the pipeline found about the Machine's ISO image.
type ISO struct {
	Source ISOSource
	// Size is the volume's size (the image's size plus 10 %, in whole Gi; DefaultISOSize when unknown).
	Size resource.Quantity
	// AccessMode is the access mode for a Filesystem volume of the storage class.
	AccessMode corev1.PersistentVolumeAccessMode
	// StorageClass is set only when --storage-class names one (CDI otherwise takes the default class),
	// as the operator sets it only when STORAGE_CLASS_NAME is set.
	StorageClass string
}

// withISO adds the DataVolumeTemplate, the CD-ROM (boot order 2) and its volume.
func withISO(vm *kubevirtv1.VirtualMachine, url string, iso *ISO, labels map[string]string) {
	src := &cdiv1.DataVolumeSource{HTTP: &cdiv1.DataVolumeSourceHTTP{URL: url}}
	if iso.Source == ISOFromRegistry {
		src = &cdiv1.DataVolumeSource{Registry: &cdiv1.DataVolumeSourceRegistry{URL: &url}}
	}
	fs := corev1.PersistentVolumeFilesystem
	storage := &cdiv1.StorageSpec{
		VolumeMode: &fs,
		Resources:  corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: iso.Size}},
	}
	if iso.AccessMode != "" {
		storage.AccessModes = []corev1.PersistentVolumeAccessMode{iso.AccessMode}
	}
	if iso.StorageClass != "" {
		sc := iso.StorageClass
		storage.StorageClassName = &sc
	}
	name := ISOName(vm.Name)
	vm.Spec.DataVolumeTemplates = append(vm.Spec.DataVolumeTemplates, kubevirtv1.DataVolumeTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: copyLabels(labels)},
		Spec:       cdiv1.DataVolumeSpec{Source: src, Storage: storage},
	})
	spec := &vm.Spec.Template.Spec
	spec.Domain.Devices.Disks = append(spec.Domain.Devices.Disks, kubevirtv1.Disk{
		Name:       isoVolume,
		DiskDevice: kubevirtv1.DiskDevice{CDRom: &kubevirtv1.CDRomTarget{Bus: kubevirtv1.DiskBusSATA}},
		BootOrder:  uintPtr(2),
	})
	spec.Volumes = append(spec.Volumes, kubevirtv1.Volume{
		Name:         isoVolume,
		VolumeSource: kubevirtv1.VolumeSource{DataVolume: &kubevirtv1.DataVolumeSource{Name: name}},
	})
}

// ISOSizeFor is the operator's size for an image of n bytes: n + 10 %, rounded up to whole Gi (at
// least 1Gi); DefaultISOSize when n is not positive.
func ISOSizeFor(n int64) resource.Quantity {
	if n <= 0 {
		return resource.MustParse(DefaultISOSize)
	}
	withBuffer := int64(float64(n) * 1.1)
	gi := (withBuffer + (1 << 30) - 1) >> 30
	return resource.MustParse(fmt.Sprintf("%dGi", max(gi, 1)))
}
