package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/vitistack/kubectl-vitimachine/pkg/pipeline"
	"github.com/vitistack/kubectl-vitimachine/pkg/render"
	"github.com/vitistack/kubectl-vitimachine/pkg/source"
	"github.com/vitistack/kubectl-vitimachine/pkg/vitistack"
	"github.com/vitistack/kubectl-vitimachine/pkg/write"
)

// PipelineFlags are the flags of the commands that act on Machines, in groups as kubectl's: Machine
// selection (-f, -R; -l and -A with listing), naming (--naming, --managed-by-label), rendering
// (--mac-prefix, --iso-size), storage (--storage-class, --access-mode, --volume-mode), --force and
// the target flags. A command registers exactly the groups it reads: create and diff all of them
// (AddFlags), delete selection, naming, --force and target (AddMachineFlags). What a command accepts
// is a property of its groups, recorded when they are registered, never looked up in its flag set.
type PipelineFlags struct {
	Filenames     []string
	Recursive     bool
	Selector      string
	AllNamespaces bool
	Naming        string
	StorageClass  string
	AccessMode    string
	VolumeMode    string
	ManagedBy     string
	Force         bool
	MACPrefix     string
	ISOSize       string
	Target        *TargetFlags

	// The groups registered: listing (-l, -A), rendering (--mac-prefix, --iso-size) and storage.
	listing, rendering, storage bool
}

func newPipelineFlags() *PipelineFlags {
	return &PipelineFlags{
		Naming:     string(render.NamingSeed),
		VolumeMode: string(corev1.PersistentVolumeBlock),
		ManagedBy:  vitistack.DefaultManagedByKey + "=" + vitistack.DefaultManagedByValue,
		MACPrefix:  render.MACPrefix,
		Target:     newTargetFlags(),
	}
}

// AddFlags registers every group: create's and diff's flags.
func (f *PipelineFlags) AddFlags(fs *pflag.FlagSet, forceHelp string) {
	f.addSelection(fs, true)
	f.addNaming(fs, "KEY=VALUE label put on every object the plugin creates (deployed operators use vitistack.io/managed-by=kubevirt-operator)")
	f.addRendering(fs)
	f.addStorage(fs)
	fs.BoolVar(&f.Force, "force", false, forceHelp)
	f.Target.AddFlags(fs)
}

// AddMachineFlags registers Machine selection by names and files, naming, --force and the target
// flags: delete's groups. Rendering and storage flags are not registered: delete renders nothing.
func (f *PipelineFlags) AddMachineFlags(fs *pflag.FlagSet, forceHelp, managedByHelp string) {
	f.addSelection(fs, false)
	f.addNaming(fs, managedByHelp)
	fs.BoolVar(&f.Force, "force", false, forceHelp)
	f.Target.AddFlags(fs)
}

// addSelection registers the Machine selection group: -f and -R, and with listing -l and -A.
func (f *PipelineFlags) addSelection(fs *pflag.FlagSet, listing bool) {
	fs.StringSliceVarP(&f.Filenames, "filename", "f", nil, "Machine manifests: files, folders or - for standard input (YAML or JSON, several documents); files in folders that hold no Machine are skipped with a note")
	fs.BoolVarP(&f.Recursive, "recursive", "R", false, "Read the subfolders of folders given with -f too")
	if listing {
		fs.StringVarP(&f.Selector, "selector", "l", "", "Label selector: the Machines on the supervisor that match it (with -f: the file Machines that match it)")
		fs.BoolVarP(&f.AllNamespaces, "all-namespaces", "A", false, "The Machines of every namespace on the supervisor (with -l: those that match it)")
	}
	f.listing = listing
}

// addNaming registers how remote objects are named and labelled.
func (f *PipelineFlags) addNaming(fs *pflag.FlagSet, managedByHelp string) {
	fs.StringVar(&f.Naming, "naming", f.Naming, "Naming scheme of remote objects: seed (vm-<machine>, vm-<machine>-root-pvc) or operator (<machine>, as kubevirt-operator v0.0.x)")
	fs.StringVar(&f.ManagedBy, "managed-by-label", f.ManagedBy, managedByHelp)
}

// addRendering registers what only rendering reads: generated MACs and the ISO's size.
func (f *PipelineFlags) addRendering(fs *pflag.FlagSet) {
	fs.StringVar(&f.MACPrefix, "mac-prefix", f.MACPrefix, "First octets of generated MAC addresses (the operator's 02:<MAC_SET>); the first must be locally administered and unicast")
	fs.StringVar(&f.ISOSize, "iso-size", "", "Size of the ISO volume of Machines that boot an ISO (e.g. 4Gi); skips the HTTP HEAD that sizes the image")
	f.rendering = true
}

// addStorage registers the PVCs' storage flags.
func (f *PipelineFlags) addStorage(fs *pflag.FlagSet) {
	fs.StringVar(&f.StorageClass, "storage-class", "", "StorageClass of the PVCs (default: the remote cluster's default class)")
	fs.StringVar(&f.AccessMode, "access-mode", "", "PVC access mode (default: from the CDI StorageProfile of the class, else ReadWriteOnce)")
	fs.StringVar(&f.VolumeMode, "volume-mode", f.VolumeMode, "PVC volume mode: Block or Filesystem")
	f.storage = true
}

// The values of the enum flags, for checks and completion.
var (
	namings     = []string{string(render.NamingSeed), string(render.NamingOperator)}
	volumeModes = []string{string(corev1.PersistentVolumeBlock), string(corev1.PersistentVolumeFilesystem)}
	accessModes = []string{string(corev1.ReadWriteOnce), string(corev1.ReadWriteMany), string(corev1.ReadOnlyMany), string(corev1.ReadWriteOncePod)}
)

// pipelineRun is what Complete builds for create, diff and delete: the pipeline and where its
// Machines come from.
type pipelineRun struct {
	pipeline *pipeline.Pipeline
	source   source.Request
	errOut   io.Writer
}

// complete validates the flags and builds the supervisor client, the resolver and the pipeline.
// Nothing is read from a cluster yet.
func (f *PipelineFlags) complete(c *cobra.Command, root *RootOptions, args []string, w write.Writer) (*pipelineRun, error) {
	if err := f.validateSource(c, args); err != nil {
		return nil, err
	}
	opts, err := f.options(c)
	if err != nil {
		return nil, err
	}
	if err := f.Target.validate(); err != nil {
		return nil, newUsageError(c, err)
	}
	ns, explicit, err := root.ConfigFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, err
	}
	sup, err := f.Target.supervisor(root)
	if err != nil {
		return nil, err
	}
	res, err := f.Target.resolver(root, sup, opts.Render.Naming, false)
	if err != nil {
		return nil, err
	}
	return &pipelineRun{
		pipeline: &pipeline.Pipeline{Supervisor: sup, Resolver: res, Writer: w, Options: opts},
		source: source.Request{Files: f.Filenames, Stdin: root.In, Recursive: f.Recursive, Names: args, Selector: f.Selector,
			AllNamespaces: f.AllNamespaces, Namespace: ns, ExplicitNamespace: explicit,
			Note: func(msg string) { fmt.Fprintln(root.ErrOut, "note: "+msg) }},
		errOut: root.ErrOut,
	}, nil
}

// validateSource checks that the Machines come from exactly one place: names, -f, or a list by
// -l and/or -A; and that -l is a valid selector.
func (f *PipelineFlags) validateSource(c *cobra.Command, args []string) error {
	files, names, listed := len(f.Filenames) > 0, len(args) > 0, f.Selector != "" || f.AllNamespaces
	var err error
	switch {
	case !files && !names && !listed && !f.listing:
		err = fmt.Errorf("name Machines (NAME...) or give -f FILE")
	case !files && !names && !listed:
		err = fmt.Errorf("name Machines (NAME...), give -f FILE, or select them with -l SELECTOR or -A")
	case files && names:
		err = fmt.Errorf("give either Machine names or -f, not both")
	case names && f.Selector != "":
		err = fmt.Errorf("give either Machine names or -l, not both")
	case names && f.AllNamespaces:
		err = fmt.Errorf("a Machine cannot be named across all namespaces (drop -A and give its namespace with -n)")
	case files && f.AllNamespaces:
		err = fmt.Errorf("-A lists Machines on the supervisor; it does not combine with -f (use -l to filter the files)")
	case f.Recursive && !files:
		err = fmt.Errorf("-R reads the subfolders of folders given with -f; give -f")
	}
	if err != nil {
		return newUsageError(c, err)
	}
	return validSelector(c, f.Selector)
}

// options turns the rendering flags into pipeline options.
func (f *PipelineFlags) options(c *cobra.Command) (pipeline.Options, error) {
	var o pipeline.Options
	naming, err := render.ParseNaming(f.Naming)
	if err != nil {
		return o, newUsageError(c, err)
	}
	key, value, err := managedByLabel(c, f.ManagedBy)
	if err != nil {
		return o, err
	}
	if f.storage && !slices.Contains(volumeModes, f.VolumeMode) {
		return o, newUsageError(c, fmt.Errorf("invalid --volume-mode %q (use %s)", f.VolumeMode, orList(volumeModes)))
	}
	if f.storage && f.AccessMode != "" && !slices.Contains(accessModes, f.AccessMode) {
		return o, newUsageError(c, fmt.Errorf("invalid --access-mode %q (use %s)", f.AccessMode, orList(accessModes)))
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
	if !f.rendering {
		return o, nil
	}
	if o.MACPrefix, err = render.ParseMACPrefix(f.MACPrefix); err != nil {
		return o, newUsageError(c, err)
	}
	if f.ISOSize != "" {
		q, err := resource.ParseQuantity(f.ISOSize)
		if err != nil || q.Sign() <= 0 {
			return o, newUsageError(c, fmt.Errorf("invalid --iso-size %q (a positive quantity such as 4Gi)", f.ISOSize))
		}
		o.ISOSize = &q
	}
	return o, nil
}

// plan reads the Machines and plans them all; nothing is written yet. When a selection (-l, -A)
// finds no Machine it says so on stderr, as kubectl does, and there is nothing to plan.
func (r *pipelineRun) plan(ctx context.Context) ([]*pipeline.Plan, error) {
	inputs, err := source.Load(ctx, r.pipeline.Supervisor, r.source)
	if err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		fmt.Fprintln(r.errOut, r.nothingFound())
		return nil, nil
	}
	return r.pipeline.Plan(ctx, inputs), nil
}

// nothingFound is kubectl's "No resources found" for Machines.
func (r *pipelineRun) nothingFound() string {
	where := fmt.Sprintf("in %s namespace", r.source.Namespace)
	switch {
	case len(r.source.Files) > 0:
		where = "in the files"
	case r.source.AllNamespaces:
		where = "in any namespace"
	}
	if r.source.Selector != "" {
		where += " matching -l " + r.source.Selector
	}
	return "No Machines found " + where + "."
}
