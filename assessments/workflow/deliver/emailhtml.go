package deliver

import (
	"html/template"
	"strings"
)

// emailPage is a single-column layout that survives mail clients: a
// presentation table, inline styles, a real link styled as a button, text
// that reads in order without the styles, and contrast above 4.5:1.
var emailPage = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f5;color:#18181b;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:6px;">
<tr><td style="padding:24px;">
<h1 style="margin:0 0 16px;font-size:20px;line-height:1.3;color:#18181b;">{{.Title}}</h1>
{{range .Intro}}<p style="margin:0 0 16px;">{{.}}</p>
{{end}}{{if .Link}}<p style="margin:24px 0;"><a href="{{.Link}}" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;text-decoration:underline;font-weight:bold;border-radius:4px;">{{.LinkText}}</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#3f3f46;">If the button does not work, open this address: <a href="{{.Link}}" style="color:#1d4ed8;word-break:break-all;">{{.Link}}</a></p>
{{end}}</td></tr>
</table>
{{if .SettingsLink}}<p style="max-width:560px;margin:16px auto 0;font-size:13px;color:#3f3f46;">Change what piaf sends you: <a href="{{.SettingsLink}}" style="color:#1d4ed8;">{{.SettingsLink}}</a></p>
{{end}}</td></tr>
</table>
</body>
</html>
`))

// EmailHTML renders the HTML part of a notification: a heading, the intro
// (blank lines separate paragraphs), a button to link and a footer
// "Change what piaf sends you: <settingsLink>". Every argument is escaped,
// and a link that is not http(s) or mailto is neutralised by html/template.
func EmailHTML(title, intro, link, linkText, settingsLink string) string {
	if linkText == "" {
		linkText = "Open in piaf"
	}
	var b strings.Builder
	err := emailPage.Execute(&b, struct {
		Title, Link, LinkText, SettingsLink string
		Intro                               []string
	}{title, link, linkText, settingsLink, paragraphs(intro)})
	if err != nil {
		// The template is fixed and its data plain strings: only a bug gets here.
		panic("deliver: email template: " + err.Error())
	}
	return b.String()
}

// EmailText is the plain-text part matching EmailHTML.
func EmailText(title, intro, link, linkText, settingsLink string) string {
	if linkText == "" {
		linkText = "Open in piaf"
	}
	var b strings.Builder
	b.WriteString(title)
	b.WriteString("\n\n")
	for _, p := range paragraphs(intro) {
		b.WriteString(p)
		b.WriteString("\n\n")
	}
	if link != "" {
		b.WriteString(linkText)
		b.WriteString(":\n")
		b.WriteString(link)
		b.WriteString("\n")
	}
	if settingsLink != "" {
		// "-- " starts a signature: clients dim it and leave it out of replies.
		b.WriteString("\n-- \nChange what piaf sends you: ")
		b.WriteString(settingsLink)
		b.WriteString("\n")
	}
	return b.String()
}

// paragraphs splits text at blank lines and joins the lines within each.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}
