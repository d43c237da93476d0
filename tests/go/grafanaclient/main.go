// Grafana's way of reading the service: Pyroscope's own generated Connect client
// (github.com/grafana/pyroscope/api, querierv1connect) calls the querier at -url, in binary
// protobuf (Connect's default) and in Connect's JSON (connect.WithProtoJSON), and prints what
// each call answered as one JSON object per encoding, one per line, for tests/api/querier_client.rs
// to hold against /profiles. Every call that fails is printed as an error with its Connect code;
// the program exits 1 when a call failed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"

	"connectrpc.com/connect"
	googlev1 "github.com/grafana/pyroscope/api/gen/proto/go/google/v1"
	querierv1 "github.com/grafana/pyroscope/api/gen/proto/go/querier/v1"
	"github.com/grafana/pyroscope/api/gen/proto/go/querier/v1/querierv1connect"
	typesv1 "github.com/grafana/pyroscope/api/gen/proto/go/types/v1"
)

// Merged is a merge's total and its self value per function (the leaf frame).
type Merged struct {
	Total  int64            `json:"total"`
	Selves map[string]int64 `json:"selves"`
}

// Answers is what one encoding's calls answered.
type Answers struct {
	Encoding     string              `json:"encoding"`
	ProfileTypes []string            `json:"profileTypes"`
	LabelNames   []string            `json:"labelNames"`
	LabelValues  []string            `json:"labelValues"`
	Series       []map[string]string `json:"series"`
	SeriesTotal  float64             `json:"seriesTotal"`
	SeriesGroups []map[string]string `json:"seriesGroups"`
	Flamegraph   Merged              `json:"flamegraph"`
	StacksPprof  Merged              `json:"stacksPprof"`
	MergeProfile Merged              `json:"mergeProfile"`
	TreeFormat   string              `json:"treeFormat"`
	Errors       []string            `json:"errors"`
}

func flameSelves(g *querierv1.FlameGraph) Merged {
	m := Merged{Total: g.GetTotal(), Selves: map[string]int64{}}
	for depth, level := range g.GetLevels() {
		if depth == 0 {
			continue
		}
		v := level.GetValues()
		for i := 0; i+3 < len(v); i += 4 {
			if v[i+2] > 0 {
				m.Selves[g.GetNames()[v[i+3]]] += v[i+2]
			}
		}
	}
	return m
}

func pprofSelves(p *googlev1.Profile) Merged {
	m := Merged{Selves: map[string]int64{}}
	if p == nil {
		return m
	}
	functions := map[uint64]string{}
	for _, f := range p.GetFunction() {
		functions[f.GetId()] = p.GetStringTable()[f.GetName()]
	}
	locations := map[uint64]string{}
	for _, l := range p.GetLocation() {
		if lines := l.GetLine(); len(lines) > 0 {
			locations[l.GetId()] = functions[lines[0].GetFunctionId()]
		}
	}
	for _, s := range p.GetSample() {
		if len(s.GetValue()) == 0 {
			continue
		}
		m.Total += s.GetValue()[0]
		if ids := s.GetLocationId(); len(ids) > 0 && s.GetValue()[0] != 0 {
			m.Selves[locations[ids[0]]] += s.GetValue()[0]
		}
	}
	return m
}

func labelMap(pairs []*typesv1.LabelPair) map[string]string {
	m := map[string]string{}
	for _, p := range pairs {
		m[p.GetName()] = p.GetValue()
	}
	return m
}

func main() {
	url := flag.String("url", "http://127.0.0.1:4040", "the service")
	from := flag.Int64("from", 0, "window start, ms since the epoch")
	to := flag.Int64("to", 0, "window end, ms since the epoch")
	app := flag.String("app", "", "service_name of the app")
	typeID := flag.String("type", "process_cpu:cpu:nanoseconds:cpu:nanoseconds", "profile type id")
	groupBy := flag.String("group-by", "version", "SelectSeries' group_by")
	flag.Parse()
	selector := fmt.Sprintf(`{service_name="%s"}`, *app)
	failed := false
	for _, encoding := range []string{"proto", "json"} {
		var options []connect.ClientOption
		if encoding == "json" {
			options = append(options, connect.WithProtoJSON())
		}
		client := querierv1connect.NewQuerierServiceClient(http.DefaultClient, *url, options...)
		ctx := context.Background()
		a := Answers{Encoding: encoding, Errors: []string{}}
		fail := func(call string, err error) {
			a.Errors = append(a.Errors, fmt.Sprintf("%s: %s: %v", call, connect.CodeOf(err), err))
			failed = true
		}
		if r, err := client.ProfileTypes(ctx, connect.NewRequest(&querierv1.ProfileTypesRequest{Start: *from, End: *to})); err != nil {
			fail("ProfileTypes", err)
		} else {
			for _, t := range r.Msg.GetProfileTypes() {
				a.ProfileTypes = append(a.ProfileTypes, t.GetID())
			}
		}
		if r, err := client.LabelNames(ctx, connect.NewRequest(&typesv1.LabelNamesRequest{Matchers: []string{selector}, Start: *from, End: *to})); err != nil {
			fail("LabelNames", err)
		} else {
			a.LabelNames = r.Msg.GetNames()
		}
		if r, err := client.LabelValues(ctx, connect.NewRequest(&typesv1.LabelValuesRequest{Name: "service_name", Start: *from, End: *to})); err != nil {
			fail("LabelValues", err)
		} else {
			a.LabelValues = r.Msg.GetNames()
		}
		if r, err := client.Series(ctx, connect.NewRequest(&querierv1.SeriesRequest{Matchers: []string{selector}, Start: *from, End: *to})); err != nil {
			fail("Series", err)
		} else {
			for _, s := range r.Msg.GetLabelsSet() {
				a.Series = append(a.Series, labelMap(s.GetLabels()))
			}
		}
		step := float64(*to-*from) / 1000 / 4
		if r, err := client.SelectSeries(ctx, connect.NewRequest(&querierv1.SelectSeriesRequest{
			ProfileTypeID: *typeID, LabelSelector: selector, Start: *from, End: *to,
			GroupBy: strings.Split(*groupBy, ","), Step: step,
		})); err != nil {
			fail("SelectSeries", err)
		} else {
			for _, s := range r.Msg.GetSeries() {
				a.SeriesGroups = append(a.SeriesGroups, labelMap(s.GetLabels()))
				for _, p := range s.GetPoints() {
					a.SeriesTotal += p.GetValue()
				}
			}
		}
		maxNodes := int64(16384)
		stacks := func(format querierv1.ProfileFormat) (*querierv1.SelectMergeStacktracesResponse, error) {
			r, err := client.SelectMergeStacktraces(ctx, connect.NewRequest(&querierv1.SelectMergeStacktracesRequest{
				ProfileTypeID: *typeID, LabelSelector: selector, Start: *from, End: *to,
				MaxNodes: &maxNodes, Format: format,
			}))
			if err != nil {
				return nil, err
			}
			return r.Msg, nil
		}
		if r, err := stacks(querierv1.ProfileFormat_PROFILE_FORMAT_FLAMEGRAPH); err != nil {
			fail("SelectMergeStacktraces(flamegraph)", err)
		} else {
			a.Flamegraph = flameSelves(r.GetFlamegraph())
		}
		if r, err := stacks(querierv1.ProfileFormat_PROFILE_FORMAT_PPROF); err != nil {
			fail("SelectMergeStacktraces(pprof)", err)
		} else {
			a.StacksPprof = pprofSelves(r.GetPprof().GetProfile())
		}
		// Pyroscope's tree bytes: reported, not required (the service serves the flame graph
		// and pprof forms).
		if r, err := stacks(querierv1.ProfileFormat_PROFILE_FORMAT_TREE); err != nil {
			a.TreeFormat = fmt.Sprintf("%s: %v", connect.CodeOf(err), err)
		} else {
			a.TreeFormat = fmt.Sprintf("%d bytes", len(r.GetTree()))
		}
		if r, err := client.SelectMergeProfile(ctx, connect.NewRequest(&querierv1.SelectMergeProfileRequest{
			ProfileTypeID: *typeID, LabelSelector: selector, Start: *from, End: *to,
		})); err != nil {
			fail("SelectMergeProfile", err)
		} else {
			a.MergeProfile = pprofSelves(r.Msg)
		}
		sort.Strings(a.ProfileTypes)
		line, err := json.Marshal(a)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(string(line))
	}
	if failed {
		os.Exit(1)
	}
}
