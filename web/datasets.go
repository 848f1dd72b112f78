package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/templates"
)

func (s *Server) newDatasetForm(c echo.Context) error {
	a, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.DatasetForm(s.page(c, "Add dataset", "projects"), templates.DatasetFormView{Project: a.project}, templates.NewForm()))
}

func (s *Server) addDataset(c echo.Context) error {
	a, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	f := formFrom(c, datasetFormFields...)
	d := datasetFromForm(f, true)
	if !f.Valid() {
		return s.render(c, http.StatusUnprocessableEntity, templates.DatasetForm(s.page(c, "Add dataset", "projects"), templates.DatasetFormView{Project: a.project}, f))
	}
	if _, err := s.store.AddDataset(c.Request().Context(), a.project.ID, d); err != nil {
		return err
	}
	if err := s.projectChanged(c, a.project, "A dataset was added: "+d.Name); err != nil {
		return err
	}
	s.flash(c, "Dataset added.")
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
}

func (s *Server) editDatasetForm(c echo.Context) error {
	a, d, err := s.datasetAccess(c)
	if err != nil {
		return err
	}
	f := templates.NewForm()
	f.Set("ds_name", d.Name)
	f.Set("ds_source", d.Source)
	f.Set("ds_categories", d.Categories)
	if d.SpecialCategories {
		f.Set("ds_special", "1")
	}
	f.Set("ds_subjects", d.DataSubjects)
	f.Set("ds_records", strconv.FormatInt(d.ApproxRecords, 10))
	f.Set("ds_retention", d.Retention)
	f.Set("ds_was", datasetFingerprint(d.DatasetFields))
	return s.render(c, http.StatusOK, templates.DatasetForm(s.page(c, "Edit dataset", "projects"), templates.DatasetFormView{Project: a.project, Dataset: d}, f))
}

func (s *Server) editDataset(c echo.Context) error {
	a, d, err := s.datasetAccess(c)
	if err != nil {
		return err
	}
	f := formFrom(c, append(datasetFormFields, "ds_was")...)
	fields := datasetFromForm(f, true)
	if !f.Valid() {
		return s.render(c, http.StatusUnprocessableEntity, templates.DatasetForm(s.page(c, "Edit dataset", "projects"), templates.DatasetFormView{Project: a.project, Dataset: d}, f))
	}
	// The form says what the dataset was when it was opened; if someone changed it since, the
	// save is refused with their version in mind and the typed text kept.
	if now := datasetFingerprint(d.DatasetFields); f.Get("ds_was") != "" && f.Get("ds_was") != now {
		f.Fail("_", "Someone else changed this dataset while you were editing. Your text is still below; check the project page for their changes, then save again.")
		f.Set("ds_was", now)
		return s.render(c, http.StatusConflict, templates.DatasetForm(s.page(c, "Edit dataset", "projects"), templates.DatasetFormView{Project: a.project, Dataset: d}, f))
	}
	if _, err := s.store.UpdateDataset(c.Request().Context(), a.project.ID, d.ID, fields); err != nil {
		return err
	}
	if fields != d.DatasetFields {
		if err := s.projectChanged(c, a.project, "The dataset "+d.Name+" changed"); err != nil {
			return err
		}
	}
	s.flash(c, "Dataset saved.")
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
}

func (s *Server) deleteDataset(c echo.Context) error {
	a, d, err := s.datasetAccess(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteDataset(c.Request().Context(), a.project.ID, d.ID); err != nil {
		return err
	}
	if err := s.projectChanged(c, a.project, "The dataset "+d.Name+" was removed"); err != nil {
		return err
	}
	s.flash(c, "Dataset "+d.Name+" deleted.")
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
}

// datasetAccess checks edit rights on the project and loads the dataset in the URL, which must
// belong to that project.
func (s *Server) datasetAccess(c echo.Context) (*access, *store.Dataset, error) {
	a, err := s.projectAccess(c, actEdit)
	if err != nil {
		return nil, nil, err
	}
	id, err := paramID(c, "dataset")
	if err != nil {
		return nil, nil, err
	}
	d, err := s.store.Dataset(c.Request().Context(), a.project.ID, id)
	if err != nil {
		return nil, nil, err
	}
	return a, d, nil
}

func projectPath(id int64) string { return "/projects/" + strconv.FormatInt(id, 10) }

// datasetFingerprint identifies a dataset's content, for edit forms to detect a change made
// meanwhile by someone else.
func datasetFingerprint(d store.DatasetFields) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%q|%q|%q|%t|%q|%d|%q", d.Name, d.Source, d.Categories, d.SpecialCategories, d.DataSubjects, d.ApproxRecords, d.Retention))
	return hex.EncodeToString(sum[:12])
}
