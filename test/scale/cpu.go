package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"k8s.io/client-go/rest"
)

// procCPU is the CPU time (user+system seconds) of each process the
// benchmark started (kube-apiserver, etcd, the manager, the emulator), by
// command name, and of the benchmark itself ("bench-scale"): all of them
// share the machine's cores, so "the manager was idle" and "the API server
// was the limit" are read from these, not guessed.
type procCPU map[string]float64

func readProcCPU() procCPU {
	out := procCPU{}
	self := os.Getpid()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+2:])
		if len(fields) < 13 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid != self {
			continue
		}
		u, _ := strconv.ParseFloat(fields[11], 64)
		k, _ := strconv.ParseFloat(fields[12], 64)
		out[s[open+1:end]] += (u + k) / 100
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		out["bench-scale"] = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	}
	return out
}

func (p procCPU) sub(before procCPU) procCPU {
	out := procCPU{}
	for k, v := range p {
		out[k] = v - before[k]
	}
	return out
}

func (p procCPU) total() float64 {
	t := 0.0
	for _, v := range p {
		t += v
	}
	return t
}

func (p procCPU) String() string {
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return p[names[i]] > p[names[j]] })
	parts := make([]string, 0, len(names))
	for _, k := range names {
		if p[k] >= 0.05 {
			parts = append(parts, fmt.Sprintf("%s %.1f s", k, p[k]))
		}
	}
	return strings.Join(parts, ", ")
}

// saveAPIServerProfile writes a CPU profile of the API server, taken over
// the given seconds through its /debug/pprof endpoint (on by default in
// kube-apiserver; the benchmark is an administrator), to file.
func saveAPIServerProfile(ctx context.Context, cfg *rest.Config, seconds int, file string) error {
	c, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	return saveProfileWith(ctx, c, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimRight(cfg.Host, "/"), seconds), file)
}

// machineCPU is the whole machine's busy and idle time (/proc/stat, in
// seconds): whether the benchmark's processes had the cores to themselves
// and whether the cores, not a latency, were the limit.
type machineCPU struct{ busy, idle float64 }

func readMachineCPU() machineCPU {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var m machineCPU
	for i, v := range f[1:] {
		t, _ := strconv.ParseFloat(v, 64)
		switch i {
		case 3, 4: // idle, iowait
			m.idle += t / 100
		case 0, 1, 2, 5, 6, 7:
			m.busy += t / 100
		}
	}
	return m
}
