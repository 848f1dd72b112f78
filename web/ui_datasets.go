package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/piaf-dev/piaf/assessments"
	"github.com/piaf-dev/piaf/assessments/workflow"
	"github.com/piaf-dev/piaf/templates"
)

func (s *Server) newDatasetForm(c echo.Context) error {
	a, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.DatasetForm(s.page(c, "Add dataset", "projects"), templates.DatasetFormView{Project: a.project}, templates.NewForm()))
}

func datasetFormName(field string) string {
	if n, ok := datasetFormNames[field]; ok {
		return n
	}
	return "_"
}

func (s *Server) addDataset(c echo.Context) error {
	a, err := s.projectAccess(c, actEdit)
	if err != nil {
		return err
	}
	f := formFrom(c, datasetFormFields...)
	d := datasetFromForm(f)
	if f.Valid() {
		_, err = s.wf.AddDataset(c.Request().Context(), s.actor(c), a.project.ID, d)
	} else {
		err = workflow.CheckDataset(&d).Err()
	}
	if formErrors(f, err, datasetFormName) {
		return s.render(c, http.StatusUnprocessableEntity, templates.DatasetForm(s.page(c, "Add dataset", "projects"), templates.DatasetFormView{Project: a.project}, f))
	}
	if err != nil {
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
	f.Set("ds_was", workflow.DatasetFingerprint(d.Dataset))
	return s.render(c, http.StatusOK, templates.DatasetForm(s.page(c, "Edit dataset", "projects"), templates.DatasetFormView{Project: a.project, Dataset: d}, f))
}

func (s *Server) editDataset(c echo.Context) error {
	a, d, err := s.datasetAccess(c)
	if err != nil {
		return err
	}
	f := formFrom(c, append(datasetFormFields, "ds_was")...)
	fields := datasetFromForm(f)
	view := templates.DatasetFormView{Project: a.project, Dataset: d}
	if f.Valid() {
		// The form says what the dataset was when it was opened; if someone changed it since,
		// the save is refused with their version in mind and the typed text kept.
		_, err = s.wf.UpdateDataset(c.Request().Context(), s.actor(c), a.project.ID, d.ID, fields, f.Get("ds_was"))
	} else {
		err = workflow.CheckDataset(&fields).Err()
	}
	if formErrors(f, err, datasetFormName) {
		return s.render(c, http.StatusUnprocessableEntity, templates.DatasetForm(s.page(c, "Edit dataset", "projects"), view, f))
	}
	if errors.Is(err, workflow.ErrConflict) {
		f.Fail("_", "Someone else changed this dataset while you were editing. Your text is still below; check the project page for their changes, then save again.")
		if cur, err := s.store.Dataset(c.Request().Context(), a.project.ID, d.ID); err == nil {
			f.Set("ds_was", workflow.DatasetFingerprint(cur.Dataset))
		}
		return s.render(c, http.StatusConflict, templates.DatasetForm(s.page(c, "Edit dataset", "projects"), view, f))
	}
	if err != nil {
		return err
	}
	s.flash(c, "Dataset saved.")
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
}

func (s *Server) deleteDataset(c echo.Context) error {
	a, d, err := s.datasetAccess(c)
	if err != nil {
		return err
	}
	if _, err := s.wf.DeleteDataset(c.Request().Context(), s.actor(c), a.project.ID, d.ID); err != nil {
		return err
	}
	s.flash(c, "Dataset "+d.Name+" deleted.")
	return c.Redirect(http.StatusSeeOther, projectPath(a.project.ID))
}

// datasetAccess checks edit rights on the project and loads the dataset in the URL, which must
// belong to that project.
func (s *Server) datasetAccess(c echo.Context) (*access, *assessments.DatasetRecord, error) {
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
