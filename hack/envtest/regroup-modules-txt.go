// Command regroup-modules-txt rewrites a vendor/modules.txt whose package lines were sorted away
// from their module headers (as Kubernetes v1.20's vendor script left it), so that Go >= 1.16
// accepts it with -mod=vendor. Every package line is placed under the versioned "# module vX"
// header whose module path is its longest prefix; wildcard "# module => target" replacement lines
// go last. Used by hack/envtest.sh; only the standard library is needed.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

type module struct {
	path     string
	header   string
	comments []string
	packages []string
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: regroup-modules-txt vendor/modules.txt")
		os.Exit(2)
	}
	file := os.Args[1]
	in, err := os.Open(file)
	check(err)
	var modules []*module
	var wildcards []string
	var packages []string
	var last *module
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			if last == nil {
				fail("annotation before any module header: %q", line)
			}
			last.comments = append(last.comments, line)
		case strings.HasPrefix(line, "# "):
			fields := strings.Fields(line[2:])
			if len(fields) >= 2 && fields[1] == "=>" {
				wildcards = append(wildcards, line)
				continue
			}
			last = &module{path: fields[0], header: line}
			modules = append(modules, last)
		case strings.TrimSpace(line) == "":
		default:
			packages = append(packages, line)
		}
	}
	check(scanner.Err())
	check(in.Close())

	moved := 0
	for _, pkg := range packages {
		var owner *module
		for _, m := range modules {
			if (pkg == m.path || strings.HasPrefix(pkg, m.path+"/")) &&
				(owner == nil || len(m.path) > len(owner.path)) {
				owner = m
			}
		}
		if owner == nil {
			fail("no versioned module owns package %q", pkg)
		}
		owner.packages = append(owner.packages, pkg)
		moved++
	}

	var out strings.Builder
	for _, m := range modules {
		out.WriteString(m.header + "\n")
		for _, c := range m.comments {
			out.WriteString(c + "\n")
		}
		for _, p := range m.packages {
			out.WriteString(p + "\n")
		}
	}
	for _, w := range wildcards {
		out.WriteString(w + "\n")
	}
	check(os.WriteFile(file, []byte(out.String()), 0o644))
	fmt.Printf("regrouped %d packages under %d modules (%d wildcard replacements last)\n",
		moved, len(modules), len(wildcards))
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "regroup-modules-txt: "+format+"\n", args...)
	os.Exit(1)
}
