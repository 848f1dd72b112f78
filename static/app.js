// piaf works without JavaScript; this file only makes some things nicer.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Ask before destructive actions marked with data-confirm.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // Secrets shown once are selected on focus, ready to copy.
  document.querySelectorAll("[data-select-on-focus]").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
  document.querySelectorAll("form[data-autosave]").forEach(autosave);
});

// autosave saves a section form in the background shortly after each change. The server answers
// with the new revision, progress, which questions show, risk marks and errors, so the page
// updates without a reload. The Save button still works as a normal form post.
function autosave(form) {
  const status = form.querySelector("[data-save-status]");
  const revision = form.querySelector("[data-revision]");
  let timer = null;
  let inFlight = false;
  let again = false;
  let stopped = false;

  const say = (text) => { if (status) status.textContent = text; };

  async function save() {
    if (stopped) return;
    if (inFlight) { again = true; return; }
    inFlight = true;
    say("Saving…");
    try {
      const res = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() },
        credentials: "same-origin",
      });
      const data = await res.json().catch(() => ({}));
      if (res.status === 409) {
        stopped = true;
        say("Someone else saved this assessment. Press Save to see their changes; your answers stay in the form.");
        return;
      }
      if (!res.ok && res.status !== 422) {
        say(data.error || "Could not save (" + res.status + "). Your answers are still here; press Save.");
        return;
      }
      update(form, data);
      if (res.ok) {
        if (revision) revision.value = String(data.revision);
        say("Saved at " + new Date().toLocaleTimeString());
      } else {
        say("Not saved: correct the answers marked in red.");
      }
    } catch (err) {
      say("Offline? Not saved yet. Your answers are still here.");
    } finally {
      inFlight = false;
      if (again) { again = false; save(); }
    }
  }

  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  };
  // A Save press while an autosave is pending or on its way waits for it, so the form posts
  // the revision the autosave produced rather than racing it.
  form.addEventListener("submit", (event) => {
    clearTimeout(timer);
    if (!inFlight) return;
    event.preventDefault();
    const wait = setInterval(() => {
      if (inFlight) return;
      clearInterval(wait);
      form.requestSubmit(event.submitter);
    }, 50);
  });
  form.addEventListener("change", () => schedule(150));
  form.addEventListener("input", (event) => {
    if (event.target.matches("input[type=text], input[type=number], textarea")) schedule(1200);
  });
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// update applies the server's answer to the page.
function update(form, data) {
  const visible = data.visible || {};
  form.querySelectorAll("[data-question]").forEach((el) => {
    const key = el.dataset.question;
    if (key in visible) el.hidden = !visible[key];
  });
  const errors = data.errors || {};
  form.querySelectorAll("[data-error-for]").forEach((el) => {
    const msg = errors[el.dataset.errorFor] || "";
    el.textContent = msg;
    el.hidden = msg === "";
    const q = el.closest(".question");
    if (q) {
      q.classList.toggle("invalid", msg !== "");
      q.querySelectorAll("input[type=text], textarea, input[type=date]").forEach((input) => {
        if (msg) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      });
    }
  });
  const raised = data.raised_by || {};
  form.querySelectorAll("[data-marks]").forEach((el) => {
    const key = el.dataset.marks;
    el.querySelectorAll(".risk-badge").forEach((b) => b.remove());
    (raised[key] || []).forEach((title) => {
      const b = document.createElement("span");
      b.className = "badge risk-badge";
      b.dataset.testid = "raises-" + key;
      b.textContent = "Raises: " + title;
      el.appendChild(b);
    });
    const missing = (data.progress && data.progress.missing) || [];
    const badge = el.querySelector("[data-testid^='missing-']");
    if (badge && !missing.includes(key)) badge.remove();
    if (!badge && missing.includes(key)) {
      const b = document.createElement("span");
      b.className = "badge warn";
      b.dataset.testid = "missing-" + key;
      b.textContent = "Not answered";
      el.appendChild(b);
    }
  });
  const p = data.progress;
  if (p) {
    const bar = document.getElementById("overall-progress");
    if (bar) { bar.value = p.percent; bar.textContent = p.percent + "%"; }
    const text = document.querySelector("[data-progress-text]");
    if (text) {
      const left = (p.missing || []).length;
      text.innerHTML = "";
      const pctSpan = document.createElement("span");
      pctSpan.dataset.testid = "progress-percent";
      pctSpan.textContent = p.percent + "%";
      const leftSpan = document.createElement("span");
      leftSpan.dataset.testid = "required-left";
      leftSpan.textContent = String(left);
      text.append(pctSpan, " · " + p.answered + " of " + p.visible + " answered · ", leftSpan, " required left");
    }
  }
  const sections = data.sections || {};
  document.querySelectorAll("[data-section-mark]").forEach((el) => {
    const m = sections[el.dataset.sectionMark];
    if (!m) return;
    el.classList.toggle("done", m.complete);
    el.classList.toggle("left", !m.complete);
    el.textContent = "";
    if (m.complete) {
      const tick = document.createElement("span");
      tick.setAttribute("aria-hidden", "true");
      tick.textContent = "✓";
      const sr = document.createElement("span");
      sr.className = "visually-hidden";
      sr.textContent = "complete";
      el.append(tick, sr);
    } else {
      el.textContent = m.text;
    }
  });
}
