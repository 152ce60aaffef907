package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	vitistackv1alpha1 "github.com/vitistack/common/pkg/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/vitistack/kubectl-vitimachine/pkg/cluster"
	"github.com/vitistack/kubectl-vitimachine/pkg/manifest"
	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// PipelineFlags are the flags `create` and `diff` share: where Machines come from and how they are
// rendered.
type PipelineFlags struct {
	Filenames    []string
	Naming       string
	StorageClass string
	AccessMode   string
	VolumeMode   string
	ManagedBy    string
	Force        bool
	Target       *TargetFlags
}

func newPipelineFlags() *PipelineFlags {
	return &PipelineFlags{
		Naming:     string(render.NamingSeed),
		VolumeMode: string(corev1.PersistentVolumeBlock),
		ManagedBy:  render.DefaultManagedByKey + "=" + render.DefaultManagedByValue,
		Target:     newTargetFlags(),
	}
}

// AddFlags registers the flags.
func (f *PipelineFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringSliceVarP(&f.Filenames, "filename", "f", nil, "Machine manifests: files, folders or - for standard input (YAML or JSON, several documents)")
	fs.StringVar(&f.Naming, "naming", f.Naming, "Naming scheme of remote objects: seed (vm-<machine>, vm-<machine>-root-pvc) or operator (<machine>, as kubevirt-operator v0.0.x)")
	fs.StringVar(&f.StorageClass, "storage-class", "", "StorageClass of the PVCs (default: the remote cluster's default class)")
	fs.StringVar(&f.AccessMode, "access-mode", "", "PVC access mode (default: from the CDI StorageProfile of the class, else ReadWriteOnce)")
	fs.StringVar(&f.VolumeMode, "volume-mode", f.VolumeMode, "PVC volume mode: Block or Filesystem")
	fs.StringVar(&f.ManagedBy, "managed-by-label", f.ManagedBy, "KEY=VALUE label put on every object the plugin creates (deployed operators use vitistack.io/managed-by=kubevirt-operator)")
	fs.BoolVar(&f.Force, "force", false, "Provision Machines that carry the kubevirt-operator's finalizer (owned by a running operator)")
	f.Target.AddFlags(fs)
}

// options validates the flags and turns them into pipeline options.
func (f *PipelineFlags) options(c *cobra.Command, args []string) (pipeline.Options, error) {
	var o pipeline.Options
	if len(f.Filenames) == 0 && len(args) == 0 {
		return o, newUsageError(c, fmt.Errorf("name Machines (NAME...) or give -f FILE"))
	}
	if len(f.Filenames) > 0 && len(args) > 0 {
		return o, newUsageError(c, fmt.Errorf("give either Machine names or -f, not both"))
	}
	naming, err := render.ParseNaming(f.Naming)
	if err != nil {
		return o, newUsageError(c, err)
	}
	key, value, ok := strings.Cut(f.ManagedBy, "=")
	if !ok || key == "" || value == "" {
		return o, newUsageError(c, fmt.Errorf("invalid --managed-by-label %q (use KEY=VALUE)", f.ManagedBy))
	}
	switch corev1.PersistentVolumeMode(f.VolumeMode) {
	case corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem:
	default:
		return o, newUsageError(c, fmt.Errorf("invalid --volume-mode %q (use Block or Filesystem)", f.VolumeMode))
	}
	switch corev1.PersistentVolumeAccessMode(f.AccessMode) {
	case "", corev1.ReadWriteOnce, corev1.ReadWriteMany, corev1.ReadOnlyMany, corev1.ReadWriteOncePod:
	default:
		return o, newUsageError(c, fmt.Errorf("invalid --access-mode %q (use ReadWriteOnce, ReadWriteMany, ReadOnlyMany or ReadWriteOncePod)", f.AccessMode))
	}
	if err := f.Target.validate(); err != nil {
		return o, newUsageError(c, err)
	}
	o.Render = render.Options{
		Naming:         naming,
		ManagedByKey:   key,
		ManagedByValue: value,
		VolumeMode:     corev1.PersistentVolumeMode(f.VolumeMode),
	}
	o.StorageClass = f.StorageClass
	o.AccessMode = corev1.PersistentVolumeAccessMode(f.AccessMode)
	o.Force = f.Force
	return o, nil
}

// inputs reads the Machines: from -f (decoded and checked before anything else happens), or by name
// from the supervisor.
func (f *PipelineFlags) inputs(ctx context.Context, root *RootOptions, supervisor *cluster.Client, args []string) ([]pipeline.Input, error) {
	ns, explicit, err := root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, err
	}
	if len(f.Filenames) > 0 {
		ms, err := manifest.Reader{Stdin: root.In}.Read(f.Filenames)
		if err != nil {
			return nil, err
		}
		inputs := make([]pipeline.Input, 0, len(ms))
		for _, m := range ms {
			switch {
			case m.Machine.Namespace == "":
				m.SetNamespace(ns)
			case explicit && m.Machine.Namespace != ns:
				return nil, fmt.Errorf("%s: the namespace of Machine %q is %q, not %q (pass --namespace=%s or remove -n)", m.Origin, m.Machine.Name, m.Machine.Namespace, ns, m.Machine.Namespace)
			}
			inputs = append(inputs, pipeline.Input{Machine: m.Machine, Object: m.Object, FromFile: true, Origin: m.Origin})
		}
		return inputs, nil
	}
	inputs := make([]pipeline.Input, 0, len(args))
	for _, name := range args {
		var m vitistackv1alpha1.Machine
		if err := supervisor.Get(ctx, cluster.Machines, ns, name, &m); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("machine %q not found on the supervisor in namespace %q", name, ns)
			}
			return nil, fmt.Errorf("get machine %q: %w", ns+"/"+name, err)
		}
		inputs = append(inputs, pipeline.Input{Machine: &m})
	}
	return inputs, nil
}

// plan builds the supervisor client, the resolver and the pipeline, reads the Machines and plans
// them all; nothing is written yet.
func (f *PipelineFlags) plan(ctx context.Context, root *RootOptions, opts pipeline.Options, dry write.Strategy, args []string) (*pipeline.Pipeline, []*pipeline.Plan, error) {
	sup, err := f.Target.supervisor(root)
	if err != nil {
		return nil, nil, err
	}
	res, err := f.Target.resolver(root, sup, opts.Render.Naming, defaultSearchTimeout, false)
	if err != nil {
		return nil, nil, err
	}
	p := &pipeline.Pipeline{Supervisor: sup, Resolver: res, Writer: write.Writer{Strategy: dry}, Options: opts}
	inputs, err := f.inputs(ctx, root, sup, args)
	if err != nil {
		return nil, nil, err
	}
	return p, p.Plan(ctx, inputs), nil
}
