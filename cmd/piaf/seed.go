package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/catalogue"
	"github.com/piaf-dev/piaf/assessments/passwords"
	"github.com/piaf-dev/piaf/assessments/questionnaire"
	"github.com/piaf-dev/piaf/store"
)

// piaf seed writes a large, realistic instance for demos and benchmarks: accounts, projects with
// datasets and members, assessments at every status whose revisions are real chains of changes
// (history replay verifies them), findings, mitigations and review events.

type seedOptions struct {
	projects, assessments, revisions, users int
	password                                string
	force                                   bool
	seed                                    uint64
}

// seedResult is what --json prints.
type seedResult struct {
	Admin       string  `json:"admin"`
	Member      string  `json:"member"`
	Password    string  `json:"password"`
	Users       int     `json:"users"`
	Projects    int     `json:"projects"`
	Assessments int     `json:"assessments"`
	Revisions   int     `json:"revisions"`
	Seconds     float64 `json:"seconds"`
	// Assessments worth measuring: the longest history, the biggest register, and drafts (up
	// to 16) for concurrent editors.
	LongHistory  int64   `json:"long_history_assessment"`
	ManyFindings int64   `json:"many_findings_assessment"`
	Drafts       []int64 `json:"draft_assessments"`
}

func seedCommand(ctx context.Context, args []string, e env) error {
	fs := newFlags("piaf seed", "piaf seed [--data DIR] [--projects N] [--assessments M] [--revisions R] [--users U] [--password P] [--force] [--json]", e)
	data := dataFlag(fs, e)
	var o seedOptions
	fs.IntVar(&o.projects, "projects", 10000, "projects to write")
	fs.IntVar(&o.assessments, "assessments", 3000, "assessment cycles to write, spread over the projects")
	fs.IntVar(&o.revisions, "revisions", 500000, "revisions to write in all, spread over the assessments")
	fs.IntVar(&o.users, "users", 500, "accounts to write, an administrator and a member among them")
	fs.StringVar(&o.password, "password", "", "password of every seeded account (default: a generated one, printed once)")
	fs.BoolVar(&o.force, "force", false, "write into a data folder that already has accounts or projects")
	seed := fs.Uint64("seed", 1, "random seed: the same seed writes the same content")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	o.seed = *seed
	switch {
	case o.projects < 1 || o.users < 2 || o.assessments < 0 || o.revisions < 0:
		return errors.New("seed: --projects must be at least 1, --users at least 2, the others not negative")
	case o.assessments > 0 && o.revisions < 4*o.assessments:
		return fmt.Errorf("seed: --revisions must be at least 4 per assessment (%d)", 4*o.assessments)
	}
	if o.password == "" {
		b := make([]byte, 12)
		rand.Read(b)
		o.password = base64.RawURLEncoding.EncodeToString(b)
	}
	st, err := store.OpenCurrent(ctx, *data)
	if err != nil {
		return err
	}
	defer st.Close()
	if has, err := st.HasContent(ctx); err != nil {
		return err
	} else if has && !o.force {
		return fmt.Errorf("seed: %s already has accounts or projects; seed is for demo and benchmark instances (--force writes anyway)", *data)
	}
	start := time.Now()
	res, err := writeSeed(ctx, st, o)
	if err != nil {
		return err
	}
	res.Seconds = time.Since(start).Seconds()
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(res)
	}
	fmt.Fprintf(e.stdout, "Wrote %d accounts, %d projects, %d assessments, %d revisions in %.1f s.\n",
		res.Users, res.Projects, res.Assessments, res.Revisions, res.Seconds)
	fmt.Fprintf(e.stdout, "Sign in as the administrator %s or the member %s with the password %s\n", res.Admin, res.Member, res.Password)
	return nil
}

// seedWorld is what every generated assessment draws from.
type seedWorld struct {
	def        *questionnaire.Definition
	categories []string
	catalogue  map[string]string // catalogue key -> title
	users      []int64
	emails     map[int64]string
	members    [][]int64 // per project index: its members' ids, owner first
	projectIDs []int64
	snapshots  []*assessments.ProjectSnapshot
	epoch      time.Time
}

func writeSeed(ctx context.Context, st *store.Store, o seedOptions) (seedResult, error) {
	defs, err := questionnaire.Builtin()
	if err != nil {
		return seedResult{}, err
	}
	cat, err := catalogue.Builtin()
	if err != nil {
		return seedResult{}, err
	}
	def := defs[0]
	if _, err := st.EnsureQuestionnaire(ctx, def.Key, def.Version, def.Title, def.Source()); err != nil {
		return seedResult{}, err
	}
	w := &seedWorld{def: def, catalogue: map[string]string{}, emails: map[int64]string{},
		epoch: time.Now().UTC().AddDate(-3, 0, 0).Truncate(time.Second)}
	for _, s := range def.Sections {
		w.categories = append(w.categories, s.Key)
	}
	for _, m := range cat.All() {
		w.catalogue[m.Key] = m.Title
	}
	rng := mrand.New(mrand.NewPCG(o.seed, 7))
	// A run tag keeps the seeded emails apart from those of an earlier run (--force).
	tag := ""
	if o.force {
		tag = "-" + strconv.FormatInt(time.Now().Unix()%100000, 10)
	}
	res := seedResult{Admin: "admin" + tag + "@seed.piaf.test", Member: "member" + tag + "@seed.piaf.test", Password: o.password}
	hash := passwords.Hash(o.password) // one hash for all: argon2id per account would dominate
	memberIndex := 1
	err = st.Seed(ctx, func(sd *store.Seeder) error {
		for i := range o.users {
			n := store.NewUser{Email: fmt.Sprintf("user%d%s@seed.piaf.test", i, tag), Name: seedName(rng), PasswordHash: hash}
			switch i {
			case 0:
				n.Email, n.IsAdmin, n.Name = res.Admin, true, "Ada Admin"
			case memberIndex:
				n.Email, n.Name = res.Member, "Max Member"
			}
			id, err := sd.User(n, w.epoch)
			if err != nil {
				return err
			}
			w.users = append(w.users, id)
			w.emails[id] = n.Email
		}
		// The member belongs to about one project in a hundred, like most people of a big
		// organisation; the others get owners and teams drawn from every account but the admin.
		for i := range o.projects {
			owner := w.users[1+rng.IntN(len(w.users)-1)]
			team := map[int64]assessments.Role{}
			for range 1 + rng.IntN(4) {
				team[w.users[1+rng.IntN(len(w.users)-1)]] = []assessments.Role{assessments.RoleAssessor, assessments.RoleReviewer, assessments.RoleViewer}[rng.IntN(3)]
			}
			if i%100 == 0 {
				team[w.users[memberIndex]] = assessments.RoleAssessor
			}
			delete(team, owner)
			p := seedProject(rng, i, owner, team, w.epoch.Add(time.Duration(i)*time.Minute))
			id, err := sd.Project(p)
			if err != nil {
				return err
			}
			w.projectIDs = append(w.projectIDs, id)
			ids := []int64{owner}
			for uid := range team {
				ids = append(ids, uid)
			}
			slices.Sort(ids[1:])
			w.members = append(w.members, ids)
			w.snapshots = append(w.snapshots, snapshotOf(p, w.emails))
		}
		res.Users, res.Projects = o.users, o.projects
		return nil
	})
	if err != nil {
		return res, err
	}
	jobs := planAssessments(rng, o, w)
	type generated struct {
		job int
		a   store.SeedAssessment
	}
	out := make(chan generated, 64)
	errc := make(chan error, 1)
	var wg sync.WaitGroup
	next := make(chan int)
	// As many generators as cores: the writer spends much of its time in SQLite's file writes,
	// and generating (hashing every state) is most of the CPU.
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				out <- generated{j, generateAssessment(jobs[j], w)}
			}
		}()
	}
	go func() {
		defer close(next)
		for j := range jobs {
			select {
			case next <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()
	go func() {
		errc <- st.Seed(ctx, func(sd *store.Seeder) error {
			for g := range out {
				id, err := sd.Assessment(g.a)
				if err != nil {
					return err
				}
				res.Assessments++
				res.Revisions += len(g.a.Revisions)
				switch {
				case g.job == 0:
					res.LongHistory = id
				case g.job == 1:
					res.ManyFindings = id
				case g.a.State.Status == assessments.Draft && len(res.Drafts) < 16:
					res.Drafts = append(res.Drafts, id)
				}
			}
			return nil
		})
	}()
	if err := <-errc; err != nil {
		for range out { // let the workers finish
		}
		return res, err
	}
	return res, nil
}

// seedJob is one assessment cycle to generate.
type seedJob struct {
	project   int // index into the world's projects
	cycle     int
	status    assessments.Status
	revisions int
	manual    int // manual findings to add
	seed      uint64
}

// planAssessments spreads the assessments over the projects (a few get a second or third
// cycle, whose earlier cycles are approved) and the revisions over the assessments: uneven
// lengths, the first assessment with a long history and the second with a hundred findings.
func planAssessments(rng *mrand.Rand, o seedOptions, w *seedWorld) []seedJob {
	if o.assessments == 0 {
		return nil
	}
	statuses := []assessments.Status{assessments.Draft, assessments.Draft, assessments.InReview, assessments.ChangesRequested,
		assessments.Approved, assessments.Approved, assessments.Approved}
	jobs := make([]seedJob, o.assessments)
	cycles := map[int]int{}
	weights := make([]float64, o.assessments)
	var sum float64
	for i := range jobs {
		p := i % o.projects
		if i >= o.projects {
			p = rng.IntN(o.projects)
		}
		cycles[p]++
		jobs[i] = seedJob{project: p, cycle: cycles[p], status: statuses[rng.IntN(len(statuses))], manual: rng.IntN(6), seed: rng.Uint64()}
		weights[i] = 0.2 + rng.Float64()*1.6
		if i == 0 {
			weights[i] = 6
		}
		sum += weights[i]
	}
	if o.assessments > 1 {
		jobs[1].manual = 90
	}
	for i := range jobs {
		if jobs[i].cycle < cycles[jobs[i].project] {
			jobs[i].status = assessments.Approved
		}
		jobs[i].revisions = max(4, int(float64(o.revisions)*weights[i]/sum))
	}
	if o.assessments > 1 {
		jobs[1].revisions = max(jobs[1].revisions, 2*jobs[1].manual)
	}
	return jobs
}

// generateAssessment writes one assessment's history the way people make it: answers given
// section by section and changed, rule findings raised and reconciled, manual findings,
// mitigations added and progressed, residual risks judged, then submission and decisions.
func generateAssessment(j seedJob, w *seedWorld) store.SeedAssessment {
	rng := mrand.New(mrand.NewPCG(j.seed, uint64(j.project)))
	members := w.members[j.project]
	at := w.epoch.Add(time.Duration(j.project)*time.Minute + time.Duration(j.cycle-1)*90*24*time.Hour)
	a := store.SeedAssessment{ProjectID: w.projectIDs[j.project], Cycle: j.cycle, CreatedBy: members[0]}
	var state assessments.State
	// The encoder reuses the encoding of the entries a revision did not change: hashing each
	// state was most of the generator's time.
	enc := assessments.NewEncoder()
	push := func(next assessments.State, author int64, summary string, event assessments.ReviewKind) {
		c := seedDiff(state, next)
		if c.Empty() && len(a.Revisions) > 0 {
			c.Seq = next.Seq + 1 // an edit that changes nothing still bumps something real
			next.Seq++
		}
		state = state.Apply(c)
		at = at.Add(time.Duration(5+rng.IntN(600)) * time.Minute)
		canonical, hash := enc.CanonicalHash(state)
		r := store.SeedRevision{Author: author, At: at, Summary: summary, Change: c, Hash: hash, Event: event, EventEmail: w.emails[author]}
		if store.CheckpointAt(len(a.Revisions) + 1) {
			r.Canonical = slices.Clone(canonical)
		}
		a.Revisions = append(a.Revisions, r)
	}
	first := assessments.State{Questionnaire: w.def.Key, QuestionnaireVersion: w.def.Version, Status: assessments.Draft}
	push(first.Apply(assessments.Change{}), members[0], "Started the assessment", "")
	// The closing moves: how many revisions the status changes take at the end.
	closing := map[assessments.Status]int{assessments.Draft: 0, assessments.InReview: 1, assessments.ChangesRequested: 2, assessments.Approved: 2}[j.status]
	questions := w.def.Questions()
	reviewer := w.users[rng.IntN(len(w.users))]
	manual := j.manual
	for len(a.Revisions) < j.revisions-closing {
		author := members[rng.IntN(len(members))]
		next := state
		var summary string
		switch k := rng.IntN(10); {
		case manual > 0 && (k == 0 || j.revisions-closing-len(a.Revisions) <= manual):
			next, _, _ = assessments.AddFinding(next, assessments.FindingInput{Title: seedFindingTitle(rng), Description: "Found in a design review.",
				Category: w.categories[rng.IntN(len(w.categories))], Likelihood: assessments.Scale(1 + rng.IntN(4)), Severity: assessments.Scale(1 + rng.IntN(4))}, w.categories)
			manual--
			summary = "Added a finding"
		case k == 1 && len(next.Findings) > 0:
			f := pick(rng, next.Findings)
			title := seedMitigationTitle(rng, w)
			due := at.AddDate(0, 0, rng.IntN(240)-60).Format(time.DateOnly)
			owner := members[rng.IntN(len(members))]
			next, _, _ = assessments.LinkNewMitigation(next, f, assessments.MitigationInput{Title: &title, Due: &due, Owner: &owner}, members)
			summary = "Added a mitigation"
		case k == 2 && len(next.Mitigations) > 0:
			id := pick(rng, next.Mitigations)
			st := []assessments.MitigationStatus{assessments.MitigationInProgress, assessments.MitigationImplemented}[rng.IntN(2)]
			next, _ = assessments.UpdateMitigation(next, id, assessments.MitigationInput{Status: &st}, members)
			summary = "Updated a mitigation"
		case k == 3 && len(next.Findings) > 0:
			id := pick(rng, next.Findings)
			l, s := assessments.Scale(1+rng.IntN(2)), assessments.Scale(1+rng.IntN(3))
			next, _ = assessments.UpdateFinding(next, id, assessments.FindingUpdate{Residual: &assessments.Residual{Likelihood: l, Severity: s}}, w.categories)
			summary = "Judged a residual risk"
		default:
			next.Answers = withRoom(next.Answers)
			for range 1 + rng.IntN(3) {
				q := questions[rng.IntN(len(questions))]
				next.Answers[q.Key] = seedAnswer(rng, q)
			}
			next = assessments.Reconcile(w.def, next)
			summary = "Answered questions"
		}
		push(next, author, summary, "")
	}
	snap := w.snapshots[j.project]
	status := func(s assessments.Status, author int64, summary string, ev assessments.ReviewKind) {
		next := state
		next.Status, next.Project = s, snap
		push(next, author, summary, ev)
	}
	switch j.status {
	case assessments.InReview:
		status(assessments.InReview, members[0], "Submitted for review", assessments.ReviewSubmit)
	case assessments.ChangesRequested:
		status(assessments.InReview, members[0], "Submitted for review", assessments.ReviewSubmit)
		status(assessments.ChangesRequested, reviewer, "Requested changes", assessments.ReviewRequestChanges)
	case assessments.Approved:
		status(assessments.InReview, members[0], "Submitted for review", assessments.ReviewSubmit)
		status(assessments.Approved, reviewer, "Approved", assessments.ReviewApprove)
		approved := a.Revisions[len(a.Revisions)-1].At
		a.ApprovedAt, a.NextReview = &approved, approved.AddDate(0, 6, 0).Format(time.DateOnly)
	}
	a.State = state
	last := &a.Revisions[len(a.Revisions)-1]
	if last.Canonical == nil {
		last.Canonical, _ = enc.CanonicalHash(state)
	}
	return a
}

// seedDiff is assessments.Diff for generated states, without its JSON comparisons: entries are
// compared by pointer first and deeply only when the pointers differ.
func seedDiff(from, to assessments.State) assessments.Change {
	c := assessments.Change{Answers: map[string]any{}, Findings: changed(from.Findings, to.Findings),
		Mitigations: changed(from.Mitigations, to.Mitigations)}
	if from.Questionnaire != to.Questionnaire {
		c.Questionnaire, c.QuestionnaireVersion = to.Questionnaire, to.QuestionnaireVersion
	}
	for k, v := range to.Answers {
		if old, ok := from.Answers[k]; !ok || !reflect.DeepEqual(old, v) {
			c.Answers[k] = v
		}
	}
	for k := range from.Answers {
		if _, ok := to.Answers[k]; !ok {
			c.Answers[k] = nil
		}
	}
	if len(c.Answers) == 0 {
		c.Answers = nil
	}
	if from.Status != to.Status {
		c.Status = to.Status
	}
	if from.Seq != to.Seq {
		c.Seq = to.Seq
	}
	if to.Project != nil && from.Project != to.Project {
		c.Project = to.Project
	}
	return c
}

func changed[T any](from, to map[string]*T) map[string]*T {
	out := map[string]*T{}
	for k, v := range to {
		if old, ok := from[k]; !ok || (old != v && !reflect.DeepEqual(old, v)) {
			out[k] = v
		}
	}
	for k := range from {
		if _, ok := to[k]; !ok {
			out[k] = nil
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func withRoom(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+3)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// pick is a random key of m, drawn from its sorted keys so that a seed gives the same content.
func pick[V any](rng *mrand.Rand, m map[string]V) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[rng.IntN(len(keys))]
}

// seedAnswer is a plausible answer of the question's type, in the form answers take after a
// round trip through JSON (numbers as float64, lists as []any), so that states hash the same
// replayed as generated.
func seedAnswer(rng *mrand.Rand, q *questionnaire.Question) any {
	switch q.Type {
	case questionnaire.Choice:
		if len(q.Options) > 0 {
			return q.Options[rng.IntN(len(q.Options))].Value
		}
	case questionnaire.MultiChoice:
		var out []any
		for _, o := range q.Options {
			if rng.IntN(3) == 0 {
				out = append(out, o.Value)
			}
		}
		if len(out) == 0 && len(q.Options) > 0 {
			out = append(out, q.Options[0].Value)
		}
		return out
	case questionnaire.YesNo:
		return questionnaire.YesNoValues[rng.IntN(len(questionnaire.YesNoValues))]
	case questionnaire.Number:
		lo, hi := 0.0, 100.0
		if q.Min != nil {
			lo = *q.Min
		}
		if q.Max != nil {
			hi = *q.Max
		}
		return float64(int(lo + rng.Float64()*(hi-lo)))
	case questionnaire.Date:
		return time.Date(2025, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	case questionnaire.LongText:
		return seedProse[rng.IntN(len(seedProse))] + "\n\n" + seedProse[rng.IntN(len(seedProse))]
	}
	return seedProse[rng.IntN(len(seedProse))]
}

var seedProse = []string{
	"Support tickets from 2021 to 2024, exported from the helpdesk and filtered to English.",
	"Names, email addresses and phone numbers are masked by the PII scanner before tokenisation.",
	"The legal basis is legitimate interest; the balancing test is attached to the DPIA folder.",
	"Only the ML platform team can read the raw bucket; access is logged and reviewed monthly.",
	"Checkpoints are deleted 90 days after the model is retired; logs after 30 days.",
	"Canary strings were inserted into 0.1% of the records and none was extracted at temperature 1.",
	"Customers are told in the privacy notice that conversations may improve our assistants.",
	"Pseudonymisation uses a keyed hash; the key is held by the security team, not by ML.",
}

var seedFirst = []string{"Ana", "Ben", "Chloé", "Dev", "Emre", "Fatou", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena", "Mo", "Nia", "Olu", "Pia"}
var seedLast = []string{"Martin", "Okafor", "Nguyen", "Schmidt", "Rossi", "Kowalski", "García", "Dubois", "Tanaka", "Silva"}

func seedName(rng *mrand.Rand) string {
	return seedFirst[rng.IntN(len(seedFirst))] + " " + seedLast[rng.IntN(len(seedLast))]
}

var seedTopics = []string{"support", "sales", "legal", "HR", "code review", "medical notes", "claims", "chat", "search", "docs"}
var seedModels = []string{"Llama 3.1 8B", "Mistral 7B", "Qwen2.5 14B", "Gemma 2 9B", "Phi-3 mini"}

func seedProject(rng *mrand.Rand, i int, owner int64, team map[int64]assessments.Role, at time.Time) store.SeedProject {
	topic := seedTopics[rng.IntN(len(seedTopics))]
	p := store.SeedProject{Owner: owner, Members: team, At: at, Fields: assessments.ProjectFields{
		Name:       fmt.Sprintf("%s assistant %d", topic, i+1),
		Purpose:    "Fine-tune a model to draft answers for the " + topic + " team.",
		BaseModel:  seedModels[rng.IntN(len(seedModels))],
		Deployment: []string{"internal", "customer-facing", "batch"}[rng.IntN(3)],
	}}
	for d := range 1 + rng.IntN(3) {
		p.Datasets = append(p.Datasets, assessments.Dataset{Name: fmt.Sprintf("%s export %d", topic, d+1), Source: "internal",
			Categories: "names, contact details, free text", SpecialCategories: rng.IntN(5) == 0, DataSubjects: "customers, staff",
			ApproxRecords: int64(1000 + rng.IntN(5000000)), Retention: "2 years"})
	}
	return p
}

func snapshotOf(p store.SeedProject, emails map[int64]string) *assessments.ProjectSnapshot {
	s := &assessments.ProjectSnapshot{Name: p.Fields.Name, Purpose: p.Fields.Purpose, BaseModel: p.Fields.BaseModel, Deployment: p.Fields.Deployment,
		Datasets: []assessments.Dataset{}, Members: []assessments.MemberSnapshot{{Email: emails[p.Owner], Role: string(assessments.RoleOwner)}}}
	for _, d := range p.Datasets {
		s.Datasets = append(s.Datasets, assessments.Dataset{Name: d.Name, Source: d.Source, Categories: d.Categories,
			SpecialCategories: d.SpecialCategories, DataSubjects: d.DataSubjects, ApproxRecords: d.ApproxRecords, Retention: d.Retention})
	}
	ids := make([]int64, 0, len(p.Members))
	for id := range p.Members {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s.Members = append(s.Members, assessments.MemberSnapshot{Email: emails[id], Role: string(p.Members[id])})
	}
	return s
}

func seedFindingTitle(rng *mrand.Rand) string {
	return []string{"Free text may hold health data", "Contractors can read raw exports", "No deletion path for checkpoints",
		"Duplicates raise memorisation", "Notice does not mention training", "Logs keep prompts for a year"}[rng.IntN(6)]
}

func seedMitigationTitle(rng *mrand.Rand, w *seedWorld) string {
	keys := make([]string, 0, len(w.catalogue))
	for k := range w.catalogue {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return "Review access every quarter"
	}
	slices.Sort(keys)
	return w.catalogue[keys[rng.IntN(len(keys))]]
}
