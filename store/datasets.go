package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/piaf-dev/piaf/assessments"
)

const datasetColumns = "id, project_id, name, source, categories, special_categories, data_subjects, approx_records, retention"

func scanDataset(row interface{ Scan(...any) error }) (*assessments.DatasetRecord, error) {
	var d assessments.DatasetRecord
	err := row.Scan(&d.ID, &d.ProjectID, &d.Name, &d.Source, &d.Categories, &d.SpecialCategories, &d.DataSubjects,
		&d.ApproxRecords, &d.Retention)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: scan dataset: %w", err)
	}
	return &d, nil
}

func insertDataset(ctx context.Context, tx *sql.Tx, projectID int64, f assessments.Dataset, now string) (*assessments.DatasetRecord, error) {
	return scanDataset(tx.QueryRowContext(ctx, `INSERT INTO datasets (project_id, name, source, categories, special_categories,
		data_subjects, approx_records, retention, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+datasetColumns,
		projectID, f.Name, f.Source, f.Categories, boolInt(f.SpecialCategories), f.DataSubjects, f.ApproxRecords, f.Retention, now, now))
}

// touchProject bumps the project's version: its datasets are part of what an edit started from.
func touchProject(ctx context.Context, tx *sql.Tx, projectID int64, now string) error {
	res, err := tx.ExecContext(ctx, "UPDATE projects SET updated_at = ?, version = version + 1 WHERE id = ?", now, projectID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// AddDataset adds a dataset to a project.
func (s *Store) AddDataset(ctx context.Context, projectID int64, f assessments.Dataset) (*assessments.DatasetRecord, error) {
	var d *assessments.DatasetRecord
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.stamp()
		if err := touchProject(ctx, tx, projectID, now); err != nil {
			return err
		}
		var err error
		d, err = insertDataset(ctx, tx, projectID, f, now)
		return err
	})
	return d, err
}

// Datasets lists a project's datasets in the order they were added.
func (s *Store) Datasets(ctx context.Context, projectID int64) ([]*assessments.DatasetRecord, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT "+datasetColumns+" FROM datasets WHERE project_id = ? ORDER BY id", projectID)
	if err != nil {
		return nil, fmt.Errorf("store: datasets: %w", err)
	}
	defer rows.Close()
	var out []*assessments.DatasetRecord
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Dataset returns one dataset of a project.
func (s *Store) Dataset(ctx context.Context, projectID, id int64) (*assessments.DatasetRecord, error) {
	return scanDataset(s.read.QueryRowContext(ctx, "SELECT "+datasetColumns+" FROM datasets WHERE project_id = ? AND id = ?", projectID, id))
}

// UpdateDataset changes a dataset of a project.
func (s *Store) UpdateDataset(ctx context.Context, projectID, id int64, f assessments.Dataset) (*assessments.DatasetRecord, error) {
	var d *assessments.DatasetRecord
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.stamp()
		var err error
		d, err = scanDataset(tx.QueryRowContext(ctx, `UPDATE datasets SET name = ?, source = ?, categories = ?, special_categories = ?,
			data_subjects = ?, approx_records = ?, retention = ?, updated_at = ? WHERE project_id = ? AND id = ? RETURNING `+datasetColumns,
			f.Name, f.Source, f.Categories, boolInt(f.SpecialCategories), f.DataSubjects, f.ApproxRecords, f.Retention, now, projectID, id))
		if err != nil {
			return err
		}
		return touchProject(ctx, tx, projectID, now)
	})
	return d, err
}

// DeleteDataset removes a dataset from a project.
func (s *Store) DeleteDataset(ctx context.Context, projectID, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM datasets WHERE project_id = ? AND id = ?", projectID, id)
		if err != nil {
			return fmt.Errorf("store: delete dataset: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return touchProject(ctx, tx, projectID, s.stamp())
	})
}
