package observability

import (
	"context"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/template"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"
)

// Why not Prometheus's rules package and promqltest: they import the
// notifier, the TSDB and the remote-write config, and with them the AWS,
// Azure and Google SDKs (770 packages to compile against 312 here;
// docs/observability.md has the measured times). The test keeps what
// decides whether an alert fires: Prometheus's PromQL engine evaluates each
// expression, its parser reads the series in promqltest's notation, and its
// template expander writes the annotations. What it does itself is the
// small state machine of rules.AlertingRule: an alert is pending from the
// first evaluation its expression returns its series, firing once `for` has
// passed since then, gone at the first evaluation that does not return it.

// sample is one float sample of a loaded series.
type sample struct {
	t int64
	f float64
}

func (s sample) T() int64                      { return s.t }
func (s sample) ST() int64                     { return 0 }
func (s sample) F() float64                    { return s.f }
func (s sample) H() *histogram.Histogram       { return nil }
func (s sample) FH() *histogram.FloatHistogram { return nil }
func (s sample) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (s sample) Copy() chunks.Sample           { return s }

// seriesSet is a list of series, as storage.SeriesSet.
type seriesSet struct {
	series []storage.Series
	i      int
}

func (s *seriesSet) Next() bool                        { s.i++; return s.i <= len(s.series) }
func (s *seriesSet) At() storage.Series                { return s.series[s.i-1] }
func (s *seriesSet) Err() error                        { return nil }
func (s *seriesSet) Warnings() annotations.Annotations { return nil }

// loadSeries reads series in promqltest's notation ("name{labels} 0+1x10
// stale _x3"), one a line, a sample a minute from time 0, into a storage
// the engine can query.
func loadSeries(t *testing.T, load string) storage.Queryable {
	t.Helper()
	type loaded struct {
		lset    labels.Labels
		samples []chunks.Sample
	}
	var all []loaded
	for _, line := range strings.Split(strings.TrimSpace(load), "\n") {
		lset, vals, err := promParser.ParseSeriesDesc(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("series %q: %v", line, err)
		}
		s := loaded{lset: lset}
		for i, v := range vals {
			if v.Omitted {
				continue
			}
			f := v.Value
			if value.IsStaleNaN(f) {
				f = math.Float64frombits(value.StaleNaN)
			}
			s.samples = append(s.samples, sample{t: int64(i) * time.Minute.Milliseconds(), f: f})
		}
		all = append(all, s)
	}
	return storage.QueryableFunc(func(_, _ int64) (storage.Querier, error) {
		return &storage.MockQuerier{SelectMockFunction: func(_ bool, _ *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
			var out []storage.Series
		series:
			for _, s := range all {
				for _, m := range ms {
					if !m.Matches(s.lset.Get(m.Name)) {
						continue series
					}
				}
				out = append(out, storage.NewListSeries(s.lset, s.samples))
			}
			return &seriesSet{series: out}
		}}, nil
	})
}

// alert is one alert of a rule, as rules.Alert.
type alert struct {
	labels, annotations labels.Labels
	activeAt            time.Time
	firing              bool
}

// evalAlert evaluates rule once a minute from 0 to minutes with Prometheus's
// engine over the loaded series, as a Prometheus server evaluating the rule
// every minute would, and returns the alerts firing at each step.
func evalAlert(t *testing.T, r rulefmt.Rule, load string, minutes int) [][]*alert {
	t.Helper()
	st := loadSeries(t, load)
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 1e6, Timeout: time.Minute, Parser: promParser})
	ctx := context.Background()
	query := func(ctx context.Context, q string, ts time.Time) (promql.Vector, error) {
		qry, err := engine.NewInstantQuery(ctx, st, nil, q, ts)
		if err != nil {
			return nil, err
		}
		defer qry.Close()
		res := qry.Exec(ctx)
		if res.Err != nil {
			return nil, res.Err
		}
		switch v := res.Value.(type) {
		case promql.Vector:
			return v, nil
		case promql.Scalar:
			return promql.Vector{promql.Sample{T: v.T, F: v.V, Metric: labels.EmptyLabels()}}, nil
		}
		return nil, nil
	}
	active := map[uint64]*alert{}
	var firing [][]*alert
	for m := 0; m <= minutes; m++ {
		ts := time.Unix(0, 0).UTC().Add(time.Duration(m) * time.Minute)
		vec, err := query(ctx, r.Expr, ts)
		if err != nil {
			t.Fatalf("%s at %dm: %v", r.Alert, m, err)
		}
		seen := map[uint64]bool{}
		for _, smpl := range vec {
			b := labels.NewBuilder(smpl.Metric).Del(labels.MetricName)
			for k, v := range r.Labels {
				b.Set(k, v)
			}
			b.Set(labels.AlertName, r.Alert)
			lset := b.Labels()
			h := lset.Hash()
			seen[h] = true
			a, ok := active[h]
			if !ok {
				a = &alert{activeAt: ts}
				active[h] = a
			}
			a.labels = lset
			a.firing = ts.Sub(a.activeAt) >= time.Duration(r.For)
			data := template.AlertTemplateData(smpl.Metric.Map(), nil, "", smpl)
			ab := labels.NewScratchBuilder(len(r.Annotations))
			for k, text := range r.Annotations {
				exp := template.NewTemplateExpander(ctx,
					"{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"+text,
					"__alert_"+r.Alert, data, model.Time(ts.UnixMilli()), template.QueryFunc(query), &url.URL{}, nil)
				out, err := exp.Expand()
				if err != nil {
					t.Errorf("%s: annotation %s: %v", r.Alert, k, err)
				}
				ab.Add(k, out)
			}
			ab.Sort()
			a.annotations = ab.Labels()
		}
		var now []*alert
		for h, a := range active {
			if !seen[h] {
				delete(active, h)
				continue
			}
			if a.firing {
				now = append(now, a)
			}
		}
		firing = append(firing, now)
	}
	return firing
}
