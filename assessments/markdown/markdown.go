// Package markdown renders the Markdown that questionnaires, the catalogue and users write into
// HTML that is safe to put in a page: raw HTML is dropped, and links and images keep only URLs
// with a known harmless scheme.
package markdown

import (
	"bytes"
	"html"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// md is shared: a goldmark instance is safe for concurrent use once built. Raw HTML stays off
// (no html.WithUnsafe), so goldmark replaces it with a comment; attribute syntax stays off too,
// so nobody can add an onclick to a heading.
var md = goldmark.New(
	// GFM (tables, strikethrough, task lists, bare URLs as links), with table alignment as align
	// attributes: the default style attributes are inline styles, which the CSP refuses.
	goldmark.WithExtensions(extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough, extension.Linkify, extension.TaskList),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(safeLinks{}, 0))),
)

// externalRel is set on links that leave piaf, so that the target learns nothing of the page
// and search engines do not rank what users typed.
var externalRel = []byte("nofollow noopener noreferrer")

// HTML renders Markdown as HTML blocks.
func HTML(src string) string {
	out, _ := render(src)
	return out
}

// Inline renders Markdown for a one-line label: a single paragraph comes back without its <p>
// wrapper; anything else (a list, a table, several paragraphs) is rendered as HTML does.
func Inline(src string) string {
	out, single := render(src)
	if single {
		out = strings.TrimSuffix(strings.TrimPrefix(out, "<p>"), "</p>\n")
	}
	return out
}

// render converts src and reports whether the document is one paragraph.
func render(src string) (string, bool) {
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		// Rendering into a buffer does not fail; should it ever, show the text, not half a page.
		return "<p>" + html.EscapeString(src) + "</p>\n", true
	}
	_, para := doc.FirstChild().(*ast.Paragraph)
	return buf.String(), doc.ChildCount() == 1 && para
}

// safeLinks replaces links and images whose URL is not allowed by their text, and marks
// external links. goldmark blanks some dangerous URLs itself, but by a list of bad schemes;
// piaf allows only schemes it knows to be harmless.
type safeLinks struct{}

func (safeLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	var unsafe []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			switch scheme, ok := allowedScheme(href(n.Destination), false); {
			case !ok:
				unsafe = append(unsafe, n)
			case scheme == "http" || scheme == "https":
				n.SetAttributeString("rel", externalRel)
			}
		case *ast.Image:
			// Images in user text are never fetched: a relative one makes every reader's browser
			// request a piaf URL (a report export, say) with their session, and an external one
			// tells a third party who reads the assessment. Its text stays.
			unsafe = append(unsafe, n)
		case *ast.AutoLink:
			switch scheme, ok := allowedScheme(util.URLEscape(n.URL(source), false), false); {
			case !ok:
				unsafe = append(unsafe, n)
			case scheme == "http" || scheme == "https":
				n.SetAttributeString("rel", externalRel)
			}
		}
		return ast.WalkContinue, nil
	})
	// Change the tree only after walking it. Outer nodes come first, so an unsafe image inside
	// an unsafe link is unwrapped where the link left it.
	for _, n := range unsafe {
		parent := n.Parent()
		if parent == nil {
			continue
		}
		if a, ok := n.(*ast.AutoLink); ok {
			parent.ReplaceChild(parent, a, ast.NewString(a.Label(source)))
			continue
		}
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, n, c)
			c = next
		}
		parent.RemoveChild(parent, n)
	}
}

// href is the URL goldmark writes for a link or image destination, which still holds entity
// references and backslash escapes in the tree: "jav&#x61;script:" must be judged as javascript.
func href(dest []byte) []byte { return util.URLEscape(dest, true) }

// allowedScheme reports the lower-case scheme of a URL and whether piaf lets it through: http,
// https and, for links, mailto; a URL without a scheme (relative, or a #fragment) is allowed.
// It reads the URL as browsers do, ignoring tabs and newlines anywhere and control characters
// and spaces around it, so "java\tscript:" is still javascript.
func allowedScheme(url []byte, image bool) (string, bool) {
	url = bytes.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, url)
	url = bytes.TrimFunc(url, func(r rune) bool { return r <= ' ' })
	i := bytes.IndexAny(url, ":/?#")
	if i < 0 || url[i] != ':' {
		return "", true
	}
	switch scheme := strings.ToLower(string(url[:i])); scheme {
	case "http", "https":
		return scheme, true
	case "mailto":
		return scheme, !image
	default:
		return scheme, false
	}
}
