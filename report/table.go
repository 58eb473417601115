package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/creditlab/credit/internal/atomicfile"
)

// Table is a rectangular table of strings with a header. Rows shorter than
// the widest row or the header are padded with empty cells on output.
type Table struct {
	Header []string
	Rows   [][]string
}

// width is the number of columns: the longest of the header and the rows.
func (t *Table) width() int {
	w := len(t.Header)
	for _, r := range t.Rows {
		w = max(w, len(r))
	}
	return w
}

// padded returns row extended with empty cells to w cells.
func padded(row []string, w int) []string {
	out := make([]string, w)
	copy(out, row)
	return out
}

// Markdown returns the Markdown text: a GitHub-flavoured table, one line per
// row, with cells padded so the columns line up in plain text. A "|" in a
// cell is escaped and line breaks become spaces. An empty table gives "".
func (t *Table) Markdown() string {
	w := t.width()
	if w == 0 {
		return ""
	}
	cell := strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ")
	lines := make([][]string, 0, len(t.Rows)+1)
	for _, r := range append([][]string{t.Header}, t.Rows...) {
		row := padded(r, w)
		for i, c := range row {
			row[i] = cell.Replace(c)
		}
		lines = append(lines, row)
	}
	widths := make([]int, w)
	for i := range widths {
		widths[i] = 3 // room for the "---" separator
		for _, row := range lines {
			widths[i] = max(widths[i], utf8.RuneCountInString(row[i]))
		}
	}
	var b strings.Builder
	writeRow := func(row []string) {
		for i, c := range row {
			b.WriteString("| ")
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+1))
		}
		b.WriteString("|\n")
	}
	writeRow(lines[0])
	sep := make([]string, w)
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	writeRow(sep)
	for _, row := range lines[1:] {
		writeRow(row)
	}
	return b.String()
}

// WriteMarkdown writes t as a GitHub-flavoured Markdown table to path
// (atomically: temp file + rename), creating the parent directory if needed.
func (t *Table) WriteMarkdown(path string) error {
	return writeAtomic(path, strings.NewReader(t.Markdown()))
}

// WriteCSV writes t as CSV (encoding/csv, header first) to path
// (atomically), creating the parent directory if needed.
func (t *Table) WriteCSV(path string) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	w := t.width()
	cw.Write(padded(t.Header, w)) // writes to a bytes.Buffer do not fail
	for _, r := range t.Rows {
		cw.Write(padded(r, w))
	}
	if cw.Flush(); cw.Error() != nil {
		return fmt.Errorf("report: CSV: %w", cw.Error())
	}
	return writeAtomic(path, &buf)
}

// WriteFile writes data to path atomically (see writeAtomic), creating the
// parent directory if needed: for text that goes with tables and figures.
func WriteFile(path string, data []byte) error {
	return writeAtomic(path, bytes.NewBuffer(data))
}

// writeAtomic writes the content of src to path (see atomicfile.Write),
// creating its directory if needed.
func writeAtomic(path string, src io.WriterTo) error {
	if path == "" {
		return fmt.Errorf("report: empty path")
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	err := atomicfile.Write(path, func(w io.Writer) error {
		_, err := src.WriteTo(w)
		return err
	})
	if err != nil {
		return fmt.Errorf("report: writing %s: %w", path, err)
	}
	return nil
}
