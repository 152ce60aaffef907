// Package printer writes results: tables, summaries, object lists and diffs. Printers take an
// io.Writer and a colour decision and only print; they never decide or fetch anything.
package printer

import "github.com/fatih/color"

// Palette holds the colours of one writer. A disabled palette prints plain text.
type Palette struct {
	Green, Yellow, Red, Cyan, Bold, Faint *color.Color
}

// NewPalette builds the palette; enabled false gives plain text whatever the terminal.
func NewPalette(enabled bool) Palette {
	p := Palette{
		Green:  color.New(color.FgGreen),
		Yellow: color.New(color.FgYellow),
		Red:    color.New(color.FgRed),
		Cyan:   color.New(color.FgCyan),
		Bold:   color.New(color.Bold),
		Faint:  color.New(color.Faint),
	}
	for _, c := range []*color.Color{p.Green, p.Yellow, p.Red, p.Cyan, p.Bold, p.Faint} {
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return p
}
