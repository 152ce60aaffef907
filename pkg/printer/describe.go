package printer

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vitistack/kubectl-vitimachine/pkg/describe"
)

// DescribeOptions say how describe's trees are printed.
type DescribeOptions struct {
	// Events prints each Machine's events after its tree.
	Events bool
	// Now is the time ages are measured to.
	Now func() time.Time
}

// describeRow is one line of a tree: its branch, object, status cell and details.
type describeRow struct {
	branch, object string
	status         Cell
	details        string
}

// Describe prints one tree per item, separated by blank lines: the Machine, its cluster, the VM
// with its conditions, the VMI, volumes, networks, cloud-init Secret, and on the supervisor the
// NetworkConfiguration; then, with Events, the events of those objects.
func Describe(w io.Writer, items []describe.Item, o DescribeOptions, p Palette) error {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString("\n")
		}
		writeTree(&b, DescribeTree(it), p)
		if o.Events {
			writeEvents(&b, it.Events, o.Now, p)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// node is a tree node before its branches are drawn.
type node struct {
	object   string
	status   Cell
	details  string
	children []*node
}

func (n *node) add(c *node) *node {
	n.children = append(n.children, c)
	return c
}

// DescribeTree is the model of an item's tree: each line's branch, object, status and details,
// without colour codes.
func DescribeTree(it describe.Item) []describeRow {
	m := it.Machine
	root := &node{object: "Machine/" + m.Name, status: phaseCell(m.Phase), details: machineDetails(m)}
	parent := root
	switch {
	case it.Cluster != nil:
		parent = root.add(&node{object: "Cluster/" + it.Cluster.Name, status: Cell{Text: or(it.Cluster.Version, unknown)},
			details: "chosen by " + it.Cluster.ChosenBy})
	case it.Error == "":
		root.add(&node{object: "Cluster", status: Cell{Text: none}, details: "provisioned on no cluster searched (set the " + annotationHint + " annotation or --kubevirt-config)"})
	}
	if it.Error != "" {
		parent.add(&node{object: "Error", status: Cell{Text: "Unreadable", Tone: Bad}, details: it.Error})
	} else if it.Cluster != nil {
		addRemote(parent, it)
	}
	if nc := it.NetworkConfiguration; nc != nil {
		var parts []string
		for _, i := range nc.Interfaces {
			parts = append(parts, strings.TrimSpace(strings.Join([]string{i.Name, or(i.MAC, "no MAC"), or(strings.Join(i.IPs, ", "), "no IP yet")}, " ")))
		}
		root.add(&node{object: "NetworkConfiguration/" + nc.Name, status: Cell{Text: "-"}, details: strings.Join(parts, "; ")})
	}
	var rows []describeRow
	flatten(root, "", "", &rows)
	return rows
}

const annotationHint = "vitistack.io/kubevirt-config"

func machineDetails(m describe.Machine) string {
	parts := []string{"namespace " + m.Namespace}
	switch {
	case m.Class == "":
		parts = append(parts, "no class")
	case m.ClassFound:
		parts = append(parts, "class "+m.Class)
	default:
		parts = append(parts, "class "+m.Class+" (not found on the supervisor)")
	}
	if m.KubevirtConfig != "" {
		parts = append(parts, annotationHint+"="+m.KubevirtConfig)
	}
	return strings.Join(parts, " · ")
}

func addRemote(parent *node, it describe.Item) {
	if it.VM == nil {
		parent.add(&node{object: "VirtualMachine", status: Cell{Text: "NotProvisioned"},
			details: fmt.Sprintf("no VM on this cluster (kubectl vitimachine create -n %s %s)", it.Machine.Namespace, it.Machine.Name)})
	} else {
		vm := it.VM
		details := []string{"runStrategy " + or(vm.RunStrategy, none), "created by " + vm.CreatedBy}
		if vm.ManagedBy != "" {
			details[1] += " (" + vm.ManagedBy + ")"
		}
		n := parent.add(&node{object: "VirtualMachine/" + vm.Name, status: vmCell(vm.PrintableStatus), details: strings.Join(details, " · ")})
		addConditions(n, vm.Conditions)
		if vmi := it.VMI; vmi != nil {
			details := []string{"node " + or(vmi.Node, none), "IPs " + or(strings.Join(vmi.IPs, ", "), none)}
			switch vmi.GuestAgent {
			case "True":
				details = append(details, "guest agent connected")
			case "":
				details = append(details, "guest agent not reported")
			default:
				details = append(details, "guest agent not connected")
			}
			vn := n.add(&node{object: "VirtualMachineInstance/" + vmi.Name, status: vmCell(vmi.Phase), details: strings.Join(details, " · ")})
			addConditions(vn, vmi.Conditions)
			if mig := vmi.LastMigration; mig != nil {
				tone := Plain
				if mig.Result == "failed" {
					tone = Bad
				}
				vn.add(&node{object: "Migration", status: Cell{Text: mig.Result, Tone: tone}, details: or(mig.SourceNode, unknown) + " → " + or(mig.TargetNode, unknown)})
			}
		}
		parent = n
	}
	for _, v := range it.Volumes {
		if !v.Found {
			parent.add(&node{object: v.Kind + "/" + v.Name, status: Cell{Text: "NotFound", Tone: Bad}, details: "named by the VM, not on the cluster"})
			continue
		}
		details := []string{}
		if v.Progress != "" {
			details = append(details, "progress "+v.Progress)
		}
		details = append(details, "size "+or(v.Size, unknown), "class "+or(v.StorageClass, "<default>"))
		parent.add(&node{object: v.Kind + "/" + v.Name, status: volumeCell(v.Phase), details: strings.Join(details, " · ")})
	}
	for _, n := range it.Networks {
		if !n.Found {
			parent.add(&node{object: "NetworkAttachmentDefinition/" + n.Name, status: Cell{Text: "NotFound", Tone: Bad}, details: "named by the VM's network, not in the namespace"})
			continue
		}
		parent.add(&node{object: "NetworkAttachmentDefinition/" + n.Name, status: Cell{Text: "Found"}, details: "VLAN " + or(n.VLAN, none)})
	}
	if s := it.CloudInit; s != nil {
		if !s.Found {
			parent.add(&node{object: "Secret/" + s.Name, status: Cell{Text: "NotFound", Tone: Bad}, details: "cloud-init Secret named by the VM, not in the namespace"})
		} else {
			parent.add(&node{object: "Secret/" + s.Name, status: Cell{Text: "Found"}, details: "cloud-init, keys " + or(strings.Join(s.Keys, ", "), none)})
		}
	}
}

func addConditions(n *node, conds []describe.Condition) {
	for _, c := range conds {
		tone := Plain
		if !c.Healthy {
			tone = Bad
		}
		details := c.Reason
		if c.Message != "" {
			details = strings.TrimSpace(details + ": " + c.Message)
			details = strings.TrimPrefix(details, ": ")
		}
		n.add(&node{object: "Condition/" + c.Type, status: Cell{Text: c.Status, Tone: tone}, details: details})
	}
}

func phaseCell(phase string) Cell {
	switch phase {
	case "Running":
		return Cell{Text: phase, Tone: Good}
	case "Failed", "Error":
		return Cell{Text: phase, Tone: Bad}
	case "":
		return Cell{Text: none}
	}
	return Cell{Text: phase, Tone: Busy}
}

func vmCell(s string) Cell {
	switch {
	case s == "":
		return Cell{Text: none}
	case goodStatuses[s]:
		return Cell{Text: s, Tone: Good}
	case badStatuses[s] || s == "Failed":
		return Cell{Text: s, Tone: Bad}
	case plainStatuses[s] || s == "Succeeded":
		return Cell{Text: s}
	}
	return Cell{Text: s, Tone: Busy}
}

func volumeCell(phase string) Cell {
	switch phase {
	case "Bound", "Succeeded":
		return Cell{Text: phase, Tone: Good}
	case "Lost", "Failed":
		return Cell{Text: phase, Tone: Bad}
	case "":
		return Cell{Text: none}
	}
	return Cell{Text: phase, Tone: Busy}
}

// flatten draws the branches: the root has none, each child "├─ " or "└─ " under its parent's
// continuation.
func flatten(n *node, branch, indent string, rows *[]describeRow) {
	*rows = append(*rows, describeRow{branch: branch, object: n.object, status: n.status, details: n.details})
	for i, c := range n.children {
		last := i == len(n.children)-1
		b, next := "├─ ", "│  "
		if last {
			b, next = "└─ ", "   "
		}
		flatten(c, indent+b, indent+next, rows)
	}
}

func writeTree(b *strings.Builder, rows []describeRow, p Palette) {
	width, swidth := len("OBJECT"), len("STATUS")
	for _, r := range rows {
		width = max(width, len([]rune(r.branch+r.object)))
		swidth = max(swidth, len([]rune(r.status.Text)))
	}
	pad := func(s string, w int) string { return strings.Repeat(" ", max(w-len([]rune(s)), 0)) }
	b.WriteString("OBJECT" + pad("OBJECT", width) + statusGap + "STATUS" + pad("STATUS", swidth) + statusGap + "DETAILS\n")
	for _, r := range rows {
		left := r.branch + r.object
		b.WriteString(p.Faint.Sprint(r.branch) + r.object + pad(left, width) + statusGap)
		b.WriteString(toneText(p, r.status))
		if r.details != "" {
			b.WriteString(pad(r.status.Text, swidth) + statusGap + r.details)
		}
		b.WriteString("\n")
	}
}

func toneText(p Palette, c Cell) string {
	switch c.Tone {
	case Good:
		return p.Green.Sprint(c.Text)
	case Busy:
		return p.Yellow.Sprint(c.Text)
	case Bad:
		return p.Red.Sprint(c.Text)
	case Plain:
	}
	return c.Text
}

func writeEvents(b *strings.Builder, events []describe.Event, now func() time.Time, p Palette) {
	if len(events) == 0 {
		b.WriteString("\nEvents: <none>\n")
		return
	}
	b.WriteString("\nEvents:\n")
	header := []string{"OBJECT", "TYPE", "REASON", "AGE", "MESSAGE"}
	rows := [][]string{header}
	for _, e := range events {
		a := age(e.Last, now)
		if e.Count > 1 {
			a += fmt.Sprintf(" (x%d)", e.Count)
		}
		rows = append(rows, []string{e.Object, e.Type, e.Reason, a, strings.ReplaceAll(e.Message, "\n", " ")})
	}
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		b.WriteString("  ")
		for i, c := range r {
			text := c
			if i == 1 && c == "Warning" {
				text = p.Yellow.Sprint(c)
			}
			b.WriteString(text)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-len([]rune(c))) + statusGap)
			}
		}
		b.WriteString("\n")
	}
}

// describeDocument is -o json|yaml: {"items": [...]}.
type describeDocument struct {
	Items []describe.Item `json:"items"`
}

// DescribeStructured prints the items as JSON or YAML.
func DescribeStructured(w io.Writer, format string, items []describe.Item) error {
	if items == nil {
		items = []describe.Item{}
	}
	return structured(w, format, describeDocument{Items: items})
}
