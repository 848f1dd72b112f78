package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/piaf-dev/piaf/assessments"
)

// CheckDataset validates a dataset and trims its fields; field names are the dataset's JSON
// names (name, source, categories, special_categories, data_subjects, approx_records,
// retention).
func CheckDataset(d *assessments.Dataset) Problems {
	for _, f := range []*string{&d.Name, &d.Source, &d.Categories, &d.DataSubjects, &d.Retention} {
		*f = strings.TrimSpace(*f)
	}
	p := Problems{}
	p.Require("name", d.Name, "Give the dataset a name.")
	p.CheckText("name", d.Name, MaxName)
	p.CheckText("source", d.Source, MaxName)
	p.CheckText("data_subjects", d.DataSubjects, MaxName)
	p.CheckText("retention", d.Retention, MaxName)
	p.CheckText("categories", d.Categories, MaxProse)
	if n := len(categoryList(d.Categories)); n > MaxCategories {
		p.Add("categories", fmt.Sprintf("List at most %d categories (now %d).", MaxCategories, n))
	}
	p.CheckCount("approx_records", d.ApproxRecords, MaxRecords, RecordsMessage)
	return p
}

// RecordsMessage is what a refused record count is told.
const RecordsMessage = "Enter a whole number of records, e.g. 120000."

// categoryList splits the categories as people write them: by commas, semicolons or lines.
func categoryList(s string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if strings.TrimSpace(c) != "" {
			out = append(out, c)
		}
	}
	return out
}

// AddDataset adds a dataset to a project.
func (s *Service) AddDataset(ctx context.Context, who Actor, projectID int64, d assessments.Dataset) (*assessments.DatasetRecord, error) {
	a, err := s.Access(ctx, who, projectID, ActEdit)
	if err != nil {
		return nil, err
	}
	if err := CheckDataset(&d).Err(); err != nil {
		return nil, err
	}
	existing, err := s.store.Datasets(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if len(existing) >= MaxDatasets {
		return nil, Invalid("datasets", "A project has at most "+strconv.Itoa(MaxDatasets)+" datasets.")
	}
	out, err := s.store.AddDataset(ctx, projectID, d)
	if err != nil {
		return nil, err
	}
	return out, s.projectChanged(ctx, who, a.Project, "A dataset was added: "+d.Name)
}

// Dataset loads one dataset of a project the actor may edit.
func (s *Service) Dataset(ctx context.Context, who Actor, projectID, datasetID int64) (*Access, *assessments.DatasetRecord, error) {
	a, err := s.Access(ctx, who, projectID, ActEdit)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.store.Dataset(ctx, projectID, datasetID)
	if err != nil {
		return nil, nil, err
	}
	return a, d, nil
}

// DatasetFingerprint identifies a dataset's content, for edit forms to detect a change made
// meanwhile by someone else.
func DatasetFingerprint(d assessments.Dataset) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%q|%q|%q|%t|%q|%d|%q", d.Name, d.Source, d.Categories, d.SpecialCategories, d.DataSubjects, d.ApproxRecords, d.Retention))
	return hex.EncodeToString(sum[:12])
}

// UpdateDataset changes a dataset. was, when not empty, is the DatasetFingerprint the edit
// started from: a dataset changed since by someone else is refused with ErrConflict.
func (s *Service) UpdateDataset(ctx context.Context, who Actor, projectID, datasetID int64, d assessments.Dataset, was string) (*assessments.DatasetRecord, error) {
	a, cur, err := s.Dataset(ctx, who, projectID, datasetID)
	if err != nil {
		return nil, err
	}
	if err := CheckDataset(&d).Err(); err != nil {
		return nil, err
	}
	if was != "" && was != DatasetFingerprint(cur.Dataset) {
		return nil, &ConflictError{What: "someone else changed this dataset while you were editing"}
	}
	out, err := s.store.UpdateDataset(ctx, projectID, datasetID, d)
	if err != nil {
		return nil, err
	}
	if d != cur.Dataset {
		return out, s.projectChanged(ctx, who, a.Project, "The dataset "+cur.Name+" changed")
	}
	return out, nil
}

// DeleteDataset removes a dataset.
func (s *Service) DeleteDataset(ctx context.Context, who Actor, projectID, datasetID int64) (*assessments.DatasetRecord, error) {
	a, d, err := s.Dataset(ctx, who, projectID, datasetID)
	if err != nil {
		return nil, err
	}
	if err := s.store.DeleteDataset(ctx, projectID, datasetID); err != nil {
		return nil, err
	}
	return d, s.projectChanged(ctx, who, a.Project, "The dataset "+d.Name+" was removed")
}
