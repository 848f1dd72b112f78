// Package leak computes the figures of leak tests on a fine-tuned model: membership inference
// (ROC AUC with a bootstrap interval, TPR at low FPR, advantage), canary exposure ("The Secret
// Sharer") and a structured record of extraction tests. It reads scores, never text, and knows
// nothing of HTTP or SQL; the web form, the API and the CLI share its types and validation.
//
// Each result has Figures(), the numbers questionnaire rules address as mia.NAME, canary.NAME and
// extraction.NAME.
package leak
